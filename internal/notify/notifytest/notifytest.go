// Package notifytest runs real, in-process receivers for notifications in
// tests: an SMTP server and an SMS gateway, both on loopback.
package notifytest

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"

	"github.com/emersion/go-smtp"
)

// Mail is a message the SMTP server accepted.
type Mail struct {
	From string
	To   []string
	Data string
}

// SMTPServer is an SMTP server on loopback that keeps what it receives.
type SMTPServer struct {
	Addr string
	srv  *smtp.Server
	mu   sync.Mutex
	mail []Mail
}

// StartSMTP starts a server; Close stops it.
func StartSMTP() (*SMTPServer, error) {
	s := &SMTPServer{}
	s.srv = smtp.NewServer(backend{s})
	s.srv.Domain = "localhost"
	s.srv.AllowInsecureAuth = true
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s.Addr = l.Addr().String()
	go s.srv.Serve(l)
	return s, nil
}

// Close stops the server.
func (s *SMTPServer) Close() { s.srv.Close() }

// Mail returns the messages received so far.
func (s *SMTPServer) Mail() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.mail...)
}

type backend struct{ s *SMTPServer }

func (b backend) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{s: b.s}, nil }

type session struct {
	s *SMTPServer
	m Mail
}

func (x *session) Reset()        { x.m = Mail{} }
func (x *session) Logout() error { return nil }
func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	x.m.From = from
	return nil
}
func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.m.To = append(x.m.To, to)
	return nil
}
func (x *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	x.m.Data = string(b)
	x.s.mu.Lock()
	x.s.mail = append(x.s.mail, x.m)
	x.s.mu.Unlock()
	return nil
}

// SMS is a message the gateway accepted.
type SMS struct {
	ID   string `json:"id"`
	To   string `json:"to"`
	Text string `json:"text"`
	// IdempotencyKey is the request's Idempotency-Key header.
	IdempotencyKey string `json:"-"`
}

// SMSGateway is an HTTP SMS gateway on loopback that keeps what it receives.
type SMSGateway struct {
	URL string
	srv *httptest.Server
	mu  sync.Mutex
	sms []SMS
}

// Close stops the gateway.
func (g *SMSGateway) Close() { g.srv.Close() }

// StartSMS starts a gateway; Close stops it.
func StartSMS() *SMSGateway {
	g := &SMSGateway{}
	g.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m SMS
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		m.IdempotencyKey = r.Header.Get("Idempotency-Key")
		g.mu.Lock()
		g.sms = append(g.sms, m)
		g.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}))
	g.URL = g.srv.URL
	return g
}

// Messages returns the SMS received so far.
func (g *SMSGateway) Messages() []SMS {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]SMS(nil), g.sms...)
}
