package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/internal/recorded"
	"github.com/motcua/motcua/signer/signertest"
)

// A remote-signing transaction lives in the dossiers, in Temporal, not in
// the API that started it: with two APIs running, the leader starts a
// batch at the first, the first is SIGKILLed (and the worker too, while
// the dossiers wait), the leader approves on the phone, and the dossiers
// are signed all the same; the leader, signed in again at the second API,
// follows the same page to the results. A refused transaction signs
// nothing and says so.
func TestARemoteTransactionOutlivesTheAPIThatStartedIt(t *testing.T) {
	processTest(t, "kills an API and the worker while a remote-signing transaction waits")
	simAddr := freeAddr(t)
	o := startOffice(t, "--remote-signer", "http://"+simAddr)
	ctx := context.Background()
	giveChairmanAPassword(t, o.users, "mật-khẩu-chủ-tịch")
	for { // the worker creates the dev CA that certifies the simulator's keys
		if b, err := os.ReadFile(filepath.Join(o.data, "ca", "root.key")); err == nil && len(b) > 0 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	sim := startRemoteSignSim(t, devConfig{data: o.data, pki: freeAddr(t)}, simAddr)
	api1, first := o.startAPI(t, "--remote-signer", "http://"+simAddr)
	api2, _ := o.startAPI(t, "--remote-signer", "http://"+simAddr)

	var ids []string
	for i := range 4 {
		c, err := o.as["clerk"].Create(ctx, withExternalID(maritalStatus(i), fmt.Sprintf("BO-remote-%d", i)))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := o.as["specialist"].Review(ctx, c.DossierID, motcua.Review{Decision: motcua.DecisionApprove}); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.DossierID)
	}
	batch, last := ids[:3], ids[3]

	// The batch, started at the first API.
	leader := signInToPages(t, "http://"+api1, "chairman1", "mật-khẩu-chủ-tịch")
	page := leader.startRemote(t, batch)
	code := leader.code(t, page)
	for _, id := range batch {
		st, _ := o.as["auditor"].Get(ctx, id)
		if r := st.SigningRequest; r == nil || r.Transaction == nil || r.Transaction.Code != code || r.Transaction.Outcome != "" {
			t.Fatalf("%s waits on no transaction: %+v", id, r)
		}
	}
	first.signal(t, syscall.SIGKILL)
	o.worker.signal(t, syscall.SIGKILL)
	o.worker = start(t, o.workerArgs...)
	sim.approveCode(t, code, "approve")
	for _, id := range batch {
		st := await(t, o.as["auditor"], id, func(s motcua.State) bool { return s.Status != motcua.StatusAwaitingSignature }, "signed")
		if st.Result == nil || st.Result.SignedBy != "chairman1" {
			t.Errorf("%s: %s, result %+v", id, st.Status, st.Result)
		}
	}
	pdf, err := o.as["chairman"].Result(ctx, batch[0])
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "result.pdf")
	os.WriteFile(path, pdf, 0o600)
	if out := signertest.PdfsigTrusting(t, path, filepath.Join(o.data, "ca", "root.crt")); !strings.Contains(out, "Signature is Valid") {
		t.Errorf("pdfsig:\n%s", out)
	}

	// The same page at the second API, signed in again (sessions are each
	// API's own): every dossier of the batch signed.
	leader = signInToPages(t, "http://"+api2, "chairman1", "mật-khẩu-chủ-tịch")
	body := leader.get(t, page)
	if !strings.Contains(body, "Đã ký qua dịch vụ ký từ xa") || strings.Count(body, "Đã ký số.") != len(batch) {
		t.Errorf("the transaction's page at the second API:\n%s", body)
	}

	// Refused on the phone: nothing signed, and the page says so.
	page = leader.startRemote(t, []string{last})
	sim.approveCode(t, leader.code(t, page), "refuse")
	st := await(t, o.as["auditor"], last, func(s motcua.State) bool {
		return s.SigningRequest != nil && s.SigningRequest.Transaction != nil && s.SigningRequest.Transaction.Outcome != ""
	}, "answered")
	if st.Status != motcua.StatusAwaitingSignature || st.SigningRequest.Transaction.Outcome != motcua.TransactionRefused {
		t.Errorf("refused: %s %+v", st.Status, st.SigningRequest.Transaction)
	}
	if body := leader.get(t, page); !strings.Contains(body, "Người ký đã từ chối") {
		t.Errorf("the refused transaction's page:\n%s", body)
	}
	tc, _ := dialTemporal(t, o.temporal, o.data)
	await(t, o.as["auditor"], batch[0], func(s motcua.State) bool { return s.Status == motcua.StatusCompleted }, "completed")
	recorded.Record(t, tc, batch[0], "", "../../workflows/testdata", "remote-transaction-approved")
	recorded.Record(t, tc, last, "", "../../workflows/testdata", "remote-transaction-refused") // still awaiting signature
	// Another leader's page is not this one's.
	if resp := leader.raw(t, "GET", strings.Replace(page, last, batch[0], 1), nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a page of dossiers not in the transaction: %d", resp.StatusCode)
	}
}

// giveChairmanAPassword sets chairman1's password in the users file (for
// the APIs started after).
func giveChairmanAPassword(t *testing.T, usersFile, password string) {
	t.Helper()
	var f struct{ Users []map[string]any }
	b, _ := os.ReadFile(usersFile)
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	hash, _ := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	for _, u := range f.Users {
		if u["id"] == "chairman1" {
			u["password_hash"] = string(hash)
		}
	}
	b, _ = json.Marshal(map[string]any{"users": f.Users})
	if err := os.WriteFile(usersFile, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// pagesUser is a person at the pages over plain HTTP, with their cookies.
type pagesUser struct {
	base string
	hc   *http.Client
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func signInToPages(t *testing.T, base, username, password string) *pagesUser {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	u := &pagesUser{base: base, hc: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	form := csrfField.FindStringSubmatch(u.get(t, "/login"))
	if form == nil {
		t.Fatal("the sign-in form has no csrf field")
	}
	resp := u.raw(t, "POST", "/login", url.Values{"csrf": {form[1]}, "username": {username}, "password": {password}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in as %s: %d", username, resp.StatusCode)
	}
	return u
}

// raw makes a request and reads its body into the response's Body.
func (u *pagesUser) raw(t *testing.T, method, path string, form url.Values) *http.Response {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, u.base+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := u.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return resp
}

func (u *pagesUser) get(t *testing.T, path string) string {
	t.Helper()
	resp, err := u.hc.Get(u.base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// startRemote signs ids through the remote-signing service from the
// inbox's form, and returns the transaction's page.
func (u *pagesUser) startRemote(t *testing.T, ids []string) string {
	t.Helper()
	csrf := csrfField.FindStringSubmatch(u.get(t, "/inbox"))
	if csrf == nil {
		t.Fatal("the inbox has no form")
	}
	resp := u.raw(t, "POST", "/remote-sign", url.Values{"csrf": {csrf[1]}, "id": ids})
	page := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(page, "/remote-sign/") {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("remote-sign %v: %d %q\n%s", ids, resp.StatusCode, page, b)
	}
	return page
}

var txCode = regexp.MustCompile(`id="tx-code">([^<]+)<`)

// code is the transaction code the waiting page shows.
func (u *pagesUser) code(t *testing.T, page string) string {
	t.Helper()
	body := u.get(t, page)
	m := txCode.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("%s shows no code:\n%s", page, body)
	}
	return strings.TrimSpace(m[1])
}
