package web

import (
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/internal/audit"
	"github.com/motcua/motcua/internal/office"
	"github.com/motcua/motcua/signer"
	"github.com/motcua/motcua/wire"
	"github.com/motcua/motcua/workflows"
)

func randomID() string {
	b := make([]byte, 24)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// view is what a template gets.
type view struct {
	Title   string
	Message string
	Error   string
	User    motcua.User
	CSRF    string
	Lang    string
	// Page data.
	Dossiers  []row
	State     *motcua.State
	Procedure *motcua.Procedure
	Catalog   motcua.Catalog
	Values    map[string]string
	Fields    map[string]string // field -> problem
	Results   []batchResult
	Timeline  string
	Report    string
	Next      string
	SignAgent string
	Remote    bool            // a remote-signing service is configured
	Refresh   int             // seconds after which the page reloads itself; 0 for never
	May       map[string]bool // motcua.Action -> whether the user's role may
	// The public pages' answers.
	Public *motcua.PublicView
	Check  *motcua.PublicCheck
}

// row is a dossier in a list, with its due-date mark.
type row struct {
	motcua.Summary
	ProcedureName string // the procedure's name in the catalog, or its code
	Mark          string // "", "due-soon" (within one working day), "overdue"
}

type batchResult struct {
	DossierID string
	OK        bool
	Message   string
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, sess *session, status int, page string, v view) {
	if sess != nil {
		v.User, v.CSRF, v.Lang = sess.user, sess.csrf, sess.lang
		v.May = map[string]bool{}
		for _, a := range []motcua.Action{motcua.ActIntake, motcua.ActReview, motcua.ActSign, motcua.ActReadDraft, motcua.ActAudit, motcua.ActSupplement, motcua.ActHandBack, motcua.ActIssue} {
			v.May[string(a)] = sess.user.Role.May(a)
		}
	}
	if v.Lang == "" {
		v.Lang = langOf(r)
	}
	v.SignAgent, v.Remote = s.SignAgent, s.RemoteSigner != nil
	var buf bytes.Buffer
	if err := s.pages.ExecuteTemplate(&buf, page, v); err != nil {
		s.Log.Error().Err(err).Str("page", page).Msg("render page")
		http.Error(w, "page error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

func langOf(r *http.Request) string {
	if c, err := r.Cookie("motcua_lang"); err == nil && c.Value == "en" {
		return "en"
	}
	return "vi"
}

func (s *Server) setLang(w http.ResponseWriter, r *http.Request) {
	lang := r.PathValue("lang")
	if lang != "en" {
		lang = "vi"
	}
	http.SetCookie(w, &http.Cookie{Name: "motcua_lang", Value: lang, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: behindTLS(r), MaxAge: 365 * 24 * 3600})
	if c, err := r.Cookie(sessionCookie); err == nil {
		if sess := s.sessions.get(c.Value, s.now()); sess != nil {
			sess.lang = lang
		}
	}
	back := r.Referer()
	if u, err := url.Parse(back); err != nil || u.Host != r.Host || back == "" {
		back = "/"
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

func behindTLS(r *http.Request) bool {
	return r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https"
}

// The sign-in page's form token travels in a cookie of its own (double
// submit): there is no session yet.
const loginCSRFCookie = "motcua_login_csrf"

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	csrf := randomID()
	http.SetCookie(w, &http.Cookie{Name: loginCSRFCookie, Value: csrf, Path: "/login", HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: behindTLS(r), MaxAge: 3600})
	s.render(w, r, nil, http.StatusOK, "login", view{Title: t(langOf(r), "sign_in"), CSRF: csrf, Next: safeNext(r.URL.Query().Get("next"))})
}

// safeNext keeps a redirect after sign-in on this site.
// safeNext is where a sign-in may send the browser next: a path on this
// site, or "/". A browser reads a Location the WHATWG URL way: it drops
// tabs and newlines anywhere, trims control characters and spaces at the
// ends, and takes a backslash for a slash, so "/\t/evil.example" or
// "/\\evil.example" would lead off the site. Anything with a control
// character or a backslash is refused outright, and what remains must
// parse as a path with neither scheme nor authority.
func safeNext(next string) string {
	for _, r := range next {
		if r < 0x20 || r == 0x7f || r == '\\' {
			return "/"
		}
	}
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") {
		return "/"
	}
	return next
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	lang := langOf(r)
	c, err := r.Cookie(loginCSRFCookie)
	if err != nil || c.Value == "" || subtle.ConstantTimeCompare([]byte(c.Value), []byte(r.PostFormValue("csrf"))) != 1 {
		s.render(w, r, nil, http.StatusForbidden, "error", view{Title: t(lang, "forbidden"), Message: t(lang, "csrf_text")})
		return
	}
	user, err := s.SignIn(w, r, r.PostFormValue("username"), r.PostFormValue("password"))
	if err != nil {
		msg := t(lang, "wrong_password")
		status := http.StatusUnauthorized
		if e := (*motcua.Error)(nil); errors.As(err, &e) && e.Code == motcua.CodeRateLimited {
			msg, status = t(lang, "too_many_tries"), http.StatusTooManyRequests
		}
		csrf := randomID()
		http.SetCookie(w, &http.Cookie{Name: loginCSRFCookie, Value: csrf, Path: "/login", HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: behindTLS(r), MaxAge: 3600})
		s.render(w, r, nil, status, "login", view{Title: t(lang, "sign_in"), CSRF: csrf, Error: msg,
			Values: map[string]string{"username": r.PostFormValue("username")}, Next: safeNext(r.PostFormValue("next"))})
		return
	}
	sess := s.sessions.start(user, s.now())
	sess.lang = lang
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: sess.id, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: behindTLS(r)})
	s.Log.Info().Str("user", user.ID).Str("role", string(user.Role)).Msg("signed in to the pages")
	http.Redirect(w, r, safeNext(r.PostFormValue("next")), http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request, sess *session) {
	s.sessions.end(sess.id)
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: behindTLS(r), MaxAge: -1})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// home sends each role to its work.
func (s *Server) home(w http.ResponseWriter, r *http.Request, sess *session) {
	http.Redirect(w, r, "/inbox", http.StatusSeeOther)
}

// inbox is each role's queue: leaders the dossiers awaiting a signature,
// specialists those in review, oldest due first with their marks; clerks
// the dossiers at the counter; auditors the completed ones.
func (s *Server) inbox(w http.ResponseWriter, r *http.Request, sess *session) {
	var status motcua.Status
	title := "inbox_all"
	switch role := sess.user.Role; {
	case role.May(motcua.ActSign):
		status, title = motcua.StatusAwaitingSignature, "inbox_sign"
	case role.May(motcua.ActReview):
		status, title = motcua.StatusInReview, "inbox_review"
	case role.May(motcua.ActIssue):
		status, title = motcua.StatusAwaitingIssue, "inbox_issue"
	case role.May(motcua.ActAudit):
		status, title = motcua.StatusCompleted, "inbox_audit"
	case role.May(motcua.ActHandBack) && r.URL.Query().Get("status") == string(motcua.StatusCompleted):
		status, title = motcua.StatusCompleted, "inbox_hand_back"
	}
	rows, err := s.list(r, status)
	if err != nil {
		s.failPage(w, r, sess, err)
		return
	}
	s.render(w, r, sess, http.StatusOK, "inbox", view{Title: t(sess.lang, title), Dossiers: rows, Message: r.URL.Query().Get("msg")})
}

// list is the unit's dossiers in a status (all when empty), oldest due
// first, marked.
func (s *Server) list(r *http.Request, status motcua.Status) ([]row, error) {
	var rows []row
	err := s.Office.Dossiers.Each(r.Context(), workflows.Filter{Status: status}, func(d motcua.Summary) error {
		if len(rows) < 500 {
			name := d.ProcedureCode
			if p, ok := s.Catalog.Lookup(d.ProcedureCode); ok {
				name = p.Name
			}
			rows = append(rows, row{Summary: d, ProcedureName: name, Mark: s.mark(d)})
		}
		return nil
	})
	slices.SortStableFunc(rows, func(a, b row) int {
		switch {
		case a.DueAt == nil || b.DueAt == nil:
			return 0
		case a.DueAt.Before(*b.DueAt):
			return -1
		case b.DueAt.Before(*a.DueAt):
			return 1
		}
		return strings.Compare(a.DossierID, b.DossierID)
	})
	return rows, err
}

// mark is a dossier's due-date mark: overdue, or due within one working
// day (by the end of the next working day).
func (s *Server) mark(d motcua.Summary) string {
	if d.DueAt == nil || d.Status.Done() {
		return ""
	}
	now := s.now()
	switch {
	case now.After(*d.DueAt):
		return "overdue"
	case s.Calendar != nil && !d.DueAt.After(endOfDay(s.Calendar.AddWorkingDays(now.In(motcua.Vietnam), 1))):
		return "due-soon"
	}
	return ""
}

func endOfDay(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 23, 59, 59, 0, t.Location())
}

func (s *Server) search(w http.ResponseWriter, r *http.Request, sess *session) {
	code := strings.TrimSpace(r.URL.Query().Get("code"))
	if code == "" {
		http.Redirect(w, r, "/inbox", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/dossiers/"+url.PathEscape(code), http.StatusSeeOther)
}

// dossier is a dossier's page: what it is and where it stands, its
// documents, and the actions the user's role may take at this status.
func (s *Server) dossier(w http.ResponseWriter, r *http.Request, sess *session) {
	st, err := s.Office.Dossiers.State(r.Context(), r.PathValue("id"))
	if err != nil {
		s.failPage(w, r, sess, err)
		return
	}
	v := view{Title: st.DossierID, State: &st, Message: r.URL.Query().Get("msg")}
	if p, ok := s.Catalog.Lookup(st.ProcedureCode); ok {
		v.Procedure = &p
	}
	if sess.user.Role.May(motcua.ActAudit) {
		if h, err := s.Office.History(r.Context(), st.DossierID); err == nil {
			var b bytes.Buffer
			audit.WriteTimeline(&b, s.DataConverter, h, sess.lang)
			v.Timeline = b.String()
		}
		if p, err := s.Office.PaperOf(st, office.Result, sess.user); err == nil {
			if rep, err := signer.Verify(p.Content, s.Office.Roots); err == nil {
				var b bytes.Buffer
				rep.WriteText(&b, p.Filename)
				v.Report = b.String()
			}
		}
	}
	s.render(w, r, sess, http.StatusOK, "dossier", v)
}

// file serves a dossier's paper to read in the page: receipt.pdf,
// draft.pdf (to the roles that read drafts), result.pdf, apology.pdf,
// bundle.zip (to auditors), or a paper taken in, by its SHA-256.
func (s *Server) file(w http.ResponseWriter, r *http.Request, sess *session) {
	id, doc := r.PathValue("id"), r.PathValue("doc")
	if doc == "bundle.zip" && sess.user.Role.May(motcua.ActAudit) {
		b, err := s.Office.Bundle(r.Context(), id)
		if err != nil {
			s.failPage(w, r, sess, err)
			return
		}
		w.Header().Set("Content-Type", "application/zip")
		w.Header().Set("Content-Disposition", `attachment; filename="audit-`+id+`.zip"`)
		w.Write(b)
		return
	}
	p, err := s.Office.Paper(r.Context(), id, strings.TrimSuffix(doc, ".pdf"), sess.user)
	if motcua.ErrorCode(err) == motcua.CodeNotFound {
		s.render(w, r, sess, http.StatusNotFound, "error", view{Title: t(sess.lang, "not_found"), Message: doc})
		return
	}
	if err != nil {
		s.failPage(w, r, sess, err)
		return
	}
	w.Header().Set("Content-Type", p.ContentType)
	w.Header().Set("Content-Disposition", `inline; filename="`+strings.ReplaceAll(p.Filename, `"`, "")+`"`)
	w.Header().Set("Cache-Control", "private, no-store")
	w.Write(p.Content)
}

func (s *Server) failPage(w http.ResponseWriter, r *http.Request, sess *session, err error) {
	e := s.Office.ErrorOf(r.Context(), r.PathValue("id"), err)
	s.render(w, r, sess, wire.Status(e.Code), "error", view{Title: t(sess.lang, "error"), Message: e.Message, Fields: e.Fields})
}

// done goes back to a page with a message.
func done(w http.ResponseWriter, r *http.Request, to, msg string) {
	http.Redirect(w, r, to+"?msg="+url.QueryEscape(msg), http.StatusSeeOther)
}

func (s *Server) review(w http.ResponseWriter, r *http.Request, sess *session) {
	id := r.PathValue("id")
	rv := motcua.Review{Decision: r.PostFormValue("decision"), Comment: r.PostFormValue("comment"), MissingDocuments: r.PostForm["missing"]}
	if _, err := office.Decide(r.Context(), s.Office, workflows.Review, id, sess.user, rv); err != nil {
		s.failPage(w, r, sess, err)
		return
	}
	done(w, r, "/dossiers/"+url.PathEscape(id), t(sess.lang, "done_"+rv.Decision))
}

// signApology signs the late dossier's apology letter with the leader's key.
func (s *Server) signApology(w http.ResponseWriter, r *http.Request, sess *session) {
	id := r.PathValue("id")
	if _, err := office.Decide(r.Context(), s.Office, workflows.SignApology, id, sess.user, motcua.SignDecision{Decision: motcua.DecisionSign}); err != nil {
		s.failPage(w, r, sess, err)
		return
	}
	done(w, r, "/dossiers/"+url.PathEscape(id), t(sess.lang, "done_apology"))
}

// handBack records at the counter that the citizen has the result.
func (s *Server) handBack(w http.ResponseWriter, r *http.Request, sess *session) {
	id := r.PathValue("id")
	h := motcua.HandBack{Method: r.PostFormValue("method"), ReceivedBy: r.PostFormValue("received_by"), PostalTracking: r.PostFormValue("postal_tracking")}
	if _, err := office.Decide(r.Context(), s.Office, workflows.HandBack, id, sess.user, h); err != nil {
		s.failPage(w, r, sess, err)
		return
	}
	done(w, r, "/dossiers/"+url.PathEscape(id), t(sess.lang, "done_hand_back"))
}

func (s *Server) sign(w http.ResponseWriter, r *http.Request, sess *session) {
	id := r.PathValue("id")
	d := motcua.SignDecision{Decision: r.PostFormValue("decision"), Comment: r.PostFormValue("comment")}
	if _, err := office.Decide(r.Context(), s.Office, workflows.Sign, id, sess.user, d); err != nil {
		s.failPage(w, r, sess, err)
		return
	}
	done(w, r, "/dossiers/"+url.PathEscape(id), t(sess.lang, "done_"+d.Decision))
}

// signAll signs, one after the other, every dossier awaiting a signature
// that the page listed (the ids it posts), and shows a result per dossier:
// one that fails does not stop the others.
func (s *Server) signAll(w http.ResponseWriter, r *http.Request, sess *session) {
	decideAll(s, w, r, sess, workflows.Sign, motcua.SignDecision{Decision: motcua.DecisionSign}, "sign")
}

// issue is the records officer's decision on one dossier: issue it, or
// return it to the leader with the reason.
func (s *Server) issue(w http.ResponseWriter, r *http.Request, sess *session) {
	id := r.PathValue("id")
	d := motcua.Issue{Decision: r.PostFormValue("decision"), Comment: r.PostFormValue("comment")}
	if _, err := office.Decide(r.Context(), s.Office, workflows.Issue, id, sess.user, d); err != nil {
		s.failPage(w, r, sess, err)
		return
	}
	said := "done_issue"
	if d.Decision == motcua.DecisionReturn {
		said = "done_issue_return"
	}
	done(w, r, "/dossiers/"+url.PathEscape(id), t(sess.lang, said))
}

// issueAll issues every dossier the "Phát hành" page listed, as signAll
// signs them.
func (s *Server) issueAll(w http.ResponseWriter, r *http.Request, sess *session) {
	decideAll(s, w, r, sess, workflows.Issue, motcua.Issue{Decision: motcua.DecisionIssue}, "issue")
}

// decideAll makes one decision on each dossier a page listed (the ids it
// posts), one after the other, and shows a result per dossier: one that
// fails does not stop the others. what names the words: done_<what>,
// <what>_all_done.
func decideAll[C motcua.Command[C], R any](s *Server, w http.ResponseWriter, r *http.Request, sess *session, d workflows.Decision[C, R], cmd C, what string) {
	ids := r.PostForm["id"]
	var results []batchResult
	for _, id := range ids {
		_, err := office.Decide(r.Context(), s.Office, d, id, sess.user, cmd)
		res := batchResult{DossierID: id, OK: err == nil, Message: t(sess.lang, "done_"+what)}
		if err != nil {
			res.Message = s.Office.ErrorOf(r.Context(), id, err).Message
		}
		results = append(results, res)
	}
	s.Log.Info().Str("user", sess.user.ID).Str("decision", d.Update).Int("dossiers", len(ids)).Msg("batch decided from the pages")
	s.render(w, r, sess, http.StatusOK, "batch", view{Title: fmt.Sprintf(t(sess.lang, what+"_all_done"), len(ids)), Results: results})
}

func (s *Server) intakeForm(w http.ResponseWriter, r *http.Request, sess *session) {
	v := view{Title: t(sess.lang, "intake"), Catalog: s.Catalog, Values: map[string]string{}}
	if p, ok := s.Catalog.Lookup(r.URL.Query().Get("procedure")); ok {
		v.Procedure = &p
	}
	s.render(w, r, sess, http.StatusOK, "intake", v)
}

// intake takes a dossier in from the clerk's form: the same validation and
// intake as POST /v1/dossiers; problems are shown beside their fields.
func (s *Server) intake(w http.ResponseWriter, r *http.Request, sess *session) {
	f := r.PostForm
	app := motcua.Application{
		ExternalID: f.Get("external_id"), ProcedureCode: f.Get("procedure_code"), Channel: motcua.ChannelCounter,
		Applicant: motcua.Applicant{FullName: f.Get("full_name"), IDNumber: f.Get("id_number"), Phone: f.Get("phone"),
			Email: f.Get("email"), Address: f.Get("address")},
		Fields: map[string]string{},
	}
	if app.ExternalID == "" {
		app.ExternalID = "QUAY-" + randomID()[:16] // a counter intake: the form's own id, sent once
	}
	p, ok := s.Catalog.Lookup(app.ProcedureCode)
	if ok {
		for _, fl := range p.Fields {
			if v := f.Get("field_" + fl.Name); v != "" {
				app.Fields[fl.Name] = v
			}
		}
	}
	bad := map[string]string{}
	app.Documents = uploads(r, p, bad)
	st, _, err := s.Office.Receive(r.Context(), app, bad, sess.user)
	if err != nil {
		var e *motcua.Error
		if !errors.As(err, &e) || e.Code != motcua.CodeInvalidRequest {
			s.failPage(w, r, sess, err)
			return
		}
		values := map[string]string{}
		for k := range f {
			values[k] = f.Get(k)
		}
		v := view{Title: t(sess.lang, "intake"), Catalog: s.Catalog, Values: values, Fields: e.Fields, Error: e.Message}
		if ok {
			v.Procedure = &p
		}
		s.render(w, r, sess, http.StatusUnprocessableEntity, "intake", v)
		return
	}
	done(w, r, "/dossiers/"+url.PathEscape(st.DossierID), t(sess.lang, "done_intake"))
}

// uploads reads the files posted as doc_<code> for the procedure's
// documents; a file that cannot be read is noted in bad.
func uploads(r *http.Request, p motcua.Procedure, bad map[string]string) []motcua.Document {
	var docs []motcua.Document
	if r.MultipartForm == nil {
		return nil
	}
	for _, d := range p.RequiredDocuments {
		for _, fh := range r.MultipartForm.File["doc_"+d.Code] {
			fd, err := fh.Open()
			if err != nil {
				bad["documents"] = err.Error()
				continue
			}
			b, err := io.ReadAll(fd)
			fd.Close()
			if err != nil {
				bad["documents"] = err.Error()
				continue
			}
			docs = append(docs, motcua.Document{Code: d.Code, Name: fh.Filename, ContentType: fh.Header.Get("Content-Type"), Content: b})
		}
	}
	return docs
}

// supplement takes the documents a supplement request asked for, from the
// clerk's form: the same checks as POST /v1/dossiers/{id}/supplement.
func (s *Server) supplement(w http.ResponseWriter, r *http.Request, sess *session) {
	id := r.PathValue("id")
	st, err := s.Office.Dossiers.State(r.Context(), id)
	if err != nil {
		s.failPage(w, r, sess, err)
		return
	}
	p, _ := s.Catalog.Lookup(st.ProcedureCode)
	bad := map[string]string{}
	docs := uploads(r, p, bad)
	if _, err := s.Office.AddDocuments(r.Context(), id, docs, bad, sess.user); err != nil {
		s.failPage(w, r, sess, err)
		return
	}
	done(w, r, "/dossiers/"+url.PathEscape(id), t(sess.lang, "done_supplement"))
}

// signingRequest prepares the dossier for a signature made on the leader's
// own token, with the certificate the agent gave the page (base64 DER, and
// its chain): the same checks as POST /v1/dossiers/{id}/signing-request.
// It answers JSON, for the page's script.
func (s *Server) signingRequest(w http.ResponseWriter, r *http.Request, sess *session) {
	cert, err := base64.StdEncoding.DecodeString(r.PostFormValue("certificate"))
	var chain [][]byte
	for _, c := range r.PostForm["chain"] {
		if der, e := base64.StdEncoding.DecodeString(c); e == nil {
			chain = append(chain, der)
		}
	}
	var req motcua.SigningRequest
	if err == nil {
		req, err = s.Office.RequestSignature(r.Context(), r.PathValue("id"), sess.user, cert, chain)
	}
	if err != nil {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"error": s.Office.ErrorOf(r.Context(), r.PathValue("id"), err).Message})
		return
	}
	writeJSON(w, http.StatusOK, req)
}

// tokenSignature completes a signing request with the signature the
// leader's token made (base64).
func (s *Server) tokenSignature(w http.ResponseWriter, r *http.Request, sess *session) {
	sig, err := base64.StdEncoding.DecodeString(r.PostFormValue("signature"))
	if err == nil {
		_, err = office.Decide(r.Context(), s.Office, workflows.Sign, r.PathValue("id"), sess.user, motcua.SignDecision{
			Decision: motcua.DecisionSign, SigningRequestID: r.PostFormValue("signing_request_id"), Signature: sig})
	}
	if err != nil {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"error": s.Office.ErrorOf(r.Context(), r.PathValue("id"), err).Message})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"message": t(sess.lang, "done_sign")})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func decodeBase64(s string) ([]byte, error) { return base64.StdEncoding.DecodeString(s) }
