package api

import (
	"net/http"
	"time"
)

// Time limits of the API's HTTP server. A request's body must arrive
// within bodyTime (uploadTime for the two that carry documents, up to
// 40 MiB on a commune's slow link); a client that dribbles a byte every few
// seconds is cut off then, not served for ever.
const (
	headerTime = 10 * time.Second
	bodyTime   = 20 * time.Second
	uploadTime = 5 * time.Minute
	// writeTime covers a decision's 60 s wait and a large download.
	writeTime = 3 * time.Minute
	idleTime  = 2 * time.Minute
)

// HTTPServer returns the server for h, the API's Handler, with the limits
// above and headers of at most 64 KiB.
func HTTPServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: headerTime,
		ReadTimeout:       uploadTime + headerTime,
		WriteTimeout:      writeTime,
		IdleTimeout:       idleTime,
		MaxHeaderBytes:    64 << 10,
	}
}

// bodyDeadline gives each request the time its body may take: uploads
// more, everything else little.
func bodyDeadline(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := bodyTime
		if r.Method == http.MethodPost && (r.URL.Path == "/v1/dossiers" || r.URL.Path == "/v1/public/verify" || isSupplement(r.URL.Path)) {
			limit = uploadTime
		}
		// Every writer between the server and here unwraps to the
		// connection (TestSlowClientsAreCutOff holds it to that).
		_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(limit))
		next.ServeHTTP(w, r)
	})
}

func isSupplement(path string) bool {
	id := dossierIDOf(path)
	return id != "" && path == "/v1/dossiers/"+id+"/supplement"
}
