package main

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/internal/catalog"
	"github.com/motcua/motcua/signer/devca"
	"github.com/motcua/motcua/signer/signertest"
)

// browser starts Debian's chromium, headless, at 1366x768, with no network
// of its own beyond the pages. Without chromium the test is skipped, except
// under CI, where .ci/run installs it.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := signertest.Tool(t, "chromium")
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox,
		chromedp.WindowSize(1366, 768), chromedp.Flag("disable-quic", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(t.TempDir()))
	alloc, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(cancel)
	if err := chromedp.Run(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// person is one role's browser session (a browser context of its own).
type person struct {
	t    *testing.T
	ctx  context.Context
	base string
	shot string // folder for screenshots
	role string
}

func (b *person) run(actions ...chromedp.Action) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 90*time.Second)
	defer cancel()
	if err := chromedp.Run(ctx, actions...); err != nil {
		var html string
		chromedp.Run(b.ctx, chromedp.OuterHTML("main", &html, chromedp.ByQuery))
		b.t.Fatalf("%s: %v\npage: %s", b.role, err, html)
	}
}

// text is the page's visible text.
func (b *person) text() string {
	var s string
	b.run(chromedp.Evaluate(`document.body ? document.body.innerText : ""`, &s))
	return s
}

// controls are the texts of the page's buttons and links: what the person
// can do there.
func (b *person) controls() string {
	var list []string
	b.run(chromedp.Evaluate(`[...document.querySelectorAll('button, a')].map(e => e.textContent.trim())`, &list))
	return "|" + strings.Join(list, "|") + "|"
}

// screenshot keeps the page as name.png, and checks it fits the width.
func (b *person) screenshot(name string) {
	b.t.Helper()
	var png []byte
	var fits bool
	b.run(chromedp.Evaluate(`document.documentElement.scrollWidth <= window.innerWidth`, &fits), chromedp.FullScreenshot(&png, 100))
	if !fits {
		b.t.Errorf("%s: the page %s scrolls sideways at 1366x768", b.role, name)
	}
	os.WriteFile(filepath.Join(b.shot, name+".png"), png, 0o644)
	b.noInternalWords(name)
}

// internalWord is a name of the code's that no official should read on a
// Vietnamese page: a snake_case name (supplement_requested), or one of
// the English names of a stage, an outcome or a role.
var internalWord = regexp.MustCompile(`\b(?:[a-z]+_[a-z_]+|review|intake|signature|archive|notify|received|approved|rejected|signed|returned|withdrawn|system|chairman|specialist|clerk|auditor|email|sms|counter|post)\b|document\(s\)`)

// noInternalWords checks that a Vietnamese page (the signature report,
// bilingual by design, aside) shows only the office's words.
func (b *person) noInternalWords(name string) {
	b.t.Helper()
	var lang, text string
	b.run(chromedp.Evaluate(`document.documentElement.lang`, &lang),
		chromedp.Evaluate(`(() => { const c = document.body.cloneNode(true); c.querySelectorAll('pre.report').forEach(p => p.remove()); return c.innerText })()`, &text))
	if lang != "vi" {
		return
	}
	if words := internalWord.FindAllString(text, -1); len(words) > 0 {
		b.t.Errorf("%s: the Vietnamese page %s shows the code's words %q", b.role, name, words)
	}
}

// signIn opens a browser of its own for a person (cookies apart) and signs
// them in.
func signIn(t *testing.T, base, shots string, login struct{ Username, Password string }, role string) *person {
	t.Helper()
	b := &person{t: t, ctx: browser(t), base: base, shot: shots, role: role}
	b.run(chromedp.Navigate(base+"/"), chromedp.WaitVisible(`input[name=username]`, chromedp.ByQuery))
	b.run(chromedp.SendKeys(`input[name=username]`, login.Username, chromedp.ByQuery),
		chromedp.SendKeys(`input[name=password]`, login.Password, chromedp.ByQuery),
		chromedp.Click(`//button[normalize-space()="Đăng nhập"]`, chromedp.BySearch),
		chromedp.WaitVisible(`header .who`, chromedp.ByQuery))
	return b
}

// The people's pages in a real browser: each role signs in with its
// password, the clerk takes a dossier in through the form with files, the
// specialist approves it, the chairman signs it from the page and three
// more at once, the auditor reads the timeline and the verification; no
// role sees what it may not use; every signed result passes pdfsig.
func TestThePagesInARealBrowser(t *testing.T) {
	processTest(t, "drives chromium through the pages")
	agentAddr, simAddr := freeAddr(t), freeAddr(t)
	cfg := devConfig{data: t.TempDir(), api: freeAddr(t), temporal: freeAddr(t), pki: freeAddr(t)}
	cfg.extra = []string{"--sign-agent", "http://" + agentAddr, "--remote-signer", "http://" + simAddr}
	p := startDev(t, cfg)
	base := p.api
	shots := os.Getenv("MOTCUA_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	}
	var logins map[string]struct{ Username, Password string }
	b, err := os.ReadFile(filepath.Join(cfg.data, "dev-passwords.json"))
	if err != nil || json.Unmarshal(b, &logins) != nil || len(logins) != 6 {
		t.Fatalf("dev-passwords.json: %v %s", err, b)
	}
	tok := tokens(t, cfg.data)
	api := newRoleClient(p.api, tok)
	ctx := context.Background()

	// A wrong password gets the sign-in page again, with the reason.
	{
		wrong := &person{t: t, ctx: browser(t), base: base, shot: shots, role: "stranger"}
		wrong.run(chromedp.Navigate(base+"/login"), chromedp.SendKeys(`input[name=username]`, "clerk1", chromedp.ByQuery),
			chromedp.SendKeys(`input[name=password]`, "not-the-password", chromedp.ByQuery),
			chromedp.Click(`//button[normalize-space()="Đăng nhập"]`, chromedp.BySearch), chromedp.WaitVisible(`.problem`, chromedp.ByQuery))
		if !strings.Contains(wrong.text(), "Sai tên đăng nhập hoặc mật khẩu") {
			t.Error("a wrong password was not refused with its reason")
		}
		wrong.screenshot("login")
	}

	// The clerk takes a birth registration in through the form, with files.
	clerk := signIn(t, base, shots, logins["clerk"], "clerk")
	scan, err := filepath.Abs("../../signer/testdata/pdf/libreoffice-writer.pdf") // a real form, as a scanner would give
	if err != nil {
		t.Fatal(err)
	}
	clerk.run(chromedp.Navigate(base+"/intake?procedure=1.001193"), chromedp.WaitVisible(`#take-in`, chromedp.ByID))
	fill := func(id string, id2 string) []chromedp.Action {
		return []chromedp.Action{
			chromedp.SendKeys(`#full_name`, "Trần Thị Bích Ngọc", chromedp.ByID),
			chromedp.SendKeys(`#id_number`, id, chromedp.ByID),
			chromedp.SendKeys(`#phone`, "0912345678", chromedp.ByID),
			chromedp.SendKeys(`#field_child_name`, "Trần Minh Khôi", chromedp.ByID),
			chromedp.SetValue(`#field_child_birth_date`, "2026-11-01", chromedp.ByID),
			chromedp.SendKeys(`#field_birth_place`, "Trạm y tế xã", chromedp.ByID),
			chromedp.SendKeys(`#field_relationship`, "Mẹ", chromedp.ByID),
			chromedp.SetUploadFiles(`#doc_TK_KS`, []string{scan}, chromedp.ByID),
			chromedp.SetUploadFiles(`#doc_GCS`, []string{scan}, chromedp.ByID),
		}
	}
	// A wrong ID number is refused by the server, the reason beside it.
	clerk.run(fill("12", "")...)
	clerk.run(chromedp.Click(`#take-in`, chromedp.ByID), chromedp.WaitVisible(`.problem`, chromedp.ByQuery))
	if text := clerk.text(); !strings.Contains(text, "id_number") && !strings.Contains(text, "CCCD") {
		t.Errorf("the form's refusal does not name the ID number:\n%s", text)
	}
	clerk.screenshot("intake-problem")
	clerk.run(chromedp.Navigate(base+"/intake?procedure=1.001193"), chromedp.WaitVisible(`#take-in`, chromedp.ByID))
	clerk.run(fill("001203004567", "")...)
	clerk.screenshot("intake")
	clerk.run(chromedp.Click(`#take-in`, chromedp.ByID), chromedp.WaitVisible(`#status`, chromedp.ByID))
	var url string
	clerk.run(chromedp.Location(&url))
	id := url[strings.LastIndex(url, "/")+1:]
	if i := strings.Index(id, "?"); i >= 0 {
		id = id[:i]
	}
	if !strings.Contains(clerk.text(), "Đã tiếp nhận hồ sơ") {
		t.Errorf("after intake: %s", clerk.text())
	}
	clerk.screenshot("dossier-clerk")
	// The clerk has no review, signing or audit on the page, and the
	// pages refuse them.
	for _, forbidden := range []string{"|Đồng ý|", "|Ký số|", "|Ký tất cả", "|Tải gói kiểm toán|"} {
		if strings.Contains(clerk.controls(), forbidden) {
			t.Errorf("the clerk sees %q", forbidden)
		}
	}

	// The specialist approves it from the review queue.
	spec := signIn(t, base, shots, logins["specialist"], "specialist")
	spec.run(chromedp.Navigate(base+"/inbox"), chromedp.WaitVisible(`a[href="/dossiers/`+id+`"]`, chromedp.ByQuery))
	spec.screenshot("inbox-specialist")
	if c := spec.controls(); strings.Contains(c, "|Ký tất cả") || strings.Contains(c, "|Tiếp nhận hồ sơ|") {
		t.Error("the specialist sees the leader's or the clerk's buttons")
	}
	// The papers are drawn in the page; the birth certificate is asked
	// for again, ticked from the procedure's list.
	var drawn string
	spec.run(chromedp.Navigate(base+"/dossiers/"+id), chromedp.WaitVisible(`button[value=approve]`, chromedp.ByQuery),
		chromedp.Poll(`document.querySelectorAll('div.pdf[data-rendered]').length === 2`, nil, chromedp.WithPollingTimeout(30*time.Second)),
		chromedp.Evaluate(`document.querySelectorAll('div.pdf[data-rendered]').length + ''`, &drawn))
	if drawn != "2" {
		t.Errorf("%s of the 2 papers drawn in the specialist's page", drawn)
	}
	spec.screenshot("dossier-specialist")
	spec.run(chromedp.SendKeys(`#comment`, "Thiếu bản gốc giấy chứng sinh", chromedp.ByID),
		chromedp.Click(`input[name=missing][value=GCS]`, chromedp.ByQuery),
		chromedp.Click(`button[value=request_supplement]`, chromedp.ByQuery), chromedp.WaitVisible(`.notice`, chromedp.ByQuery))
	// The clerk adds it from the dossier's page.
	clerk.run(chromedp.Navigate(base+"/dossiers/"+id), chromedp.WaitVisible(`#add-documents`, chromedp.ByID),
		chromedp.SetUploadFiles(`#doc_GCS`, []string{scan}, chromedp.ByID))
	clerk.screenshot("supplement-clerk")
	clerk.run(chromedp.Click(`#add-documents`, chromedp.ByID), chromedp.WaitVisible(`.notice, .problem`, chromedp.ByQuery))
	if !strings.Contains(clerk.text(), "Đã nhận giấy tờ bổ sung") {
		clerk.screenshot("supplement-failed")
		t.Errorf("after the supplement: %s", clerk.text())
	}
	spec.run(chromedp.Navigate(base+"/dossiers/"+id), chromedp.WaitVisible(`button[value=approve]`, chromedp.ByQuery))
	spec.run(chromedp.SendKeys(`#comment`, "Hồ sơ hợp lệ", chromedp.ByID), chromedp.Click(`button[value=approve]`, chromedp.ByQuery),
		chromedp.WaitVisible(`.notice`, chromedp.ByQuery))
	spec.run(chromedp.Navigate(base+"/intake"), chromedp.WaitVisible(`h1`, chromedp.ByQuery))
	if !strings.Contains(spec.text(), "Không được phép") {
		t.Error("the specialist opened the intake form")
	}

	// Eleven more wait for the chairman, through the API: one for the USB
	// token, ten for the batch.
	n := 0
	awaiting := func(count int) []string {
		var ids []string
		for range count {
			n++
			c, err := api["clerk"].Create(ctx, motcua.Application{
				ExternalID: fmt.Sprintf("BO-pages-%d", n), ProcedureCode: "2.000815", Channel: motcua.ChannelCounter,
				Applicant: motcua.Applicant{FullName: "Vũ Thị Lan", IDNumber: fmt.Sprintf("03820100%04d", n), Phone: "0911222333"},
				Fields:    map[string]string{"document_title": "Bằng tốt nghiệp THPT", "copies": "2"},
				Documents: []motcua.Document{{Code: "BAN_CHINH", Name: "bang.pdf", ContentType: "application/pdf", Content: []byte("%PDF-1.4\n%%EOF\n")}},
			})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := api["system"].Pay(ctx, c.DossierID, motcua.Payment{TransactionID: "GW-" + c.DossierID, AmountVND: 4000,
				Method: motcua.PaymentOnline, PaidAt: time.Now()}); err != nil {
				t.Fatal(err)
			}
			if _, err := api["specialist"].Review(ctx, c.DossierID, motcua.Review{Decision: motcua.DecisionApprove}); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, c.DossierID)
		}
		return ids
	}
	batch := awaiting(11)

	birth, _ := catalog.Default().Lookup("1.001193")
	procedureName, applicantName := birth.Name, "Trần Thị Bích Ngọc"
	// The chairman signs the first from its page, then the three at once.
	chair := signIn(t, base, shots, logins["chairman"], "chairman")
	chair.run(chromedp.Navigate(base+"/inbox"), chromedp.WaitVisible(`#sign-all`, chromedp.ByID))
	chair.screenshot("inbox-chairman")
	if c := chair.controls(); strings.Contains(c, "|Tiếp nhận hồ sơ|") || strings.Contains(c, "|Đồng ý|") || strings.Contains(c, "|Tải gói kiểm toán|") {
		t.Errorf("the chairman sees the clerk's, specialist's or auditor's controls: %s", c)
	}
	if text := chair.text(); !strings.Contains(text, "Ký tất cả (12)") || !strings.Contains(text, "Trình ký") {
		t.Errorf("the chairman's inbox:\n%s", text)
	}
	// The leader reads what each dossier is and whose: the procedure's
	// name and the applicant, and their own title in Vietnamese.
	for _, want := range []string{procedureName, applicantName, "(Chủ tịch)"} {
		if !strings.Contains(chair.text(), want) {
			t.Errorf("the chairman's inbox lacks %q:\n%s", want, chair.text())
		}
	}
	// "Ký số" waits until the draft is drawn in the page (pdf.js).
	var disabled bool
	var pages string
	chair.run(chromedp.Navigate(base+"/dossiers/"+id), chromedp.WaitVisible(`#sign`, chromedp.ByID))
	chair.run(chromedp.WaitEnabled(`#sign`, chromedp.ByID),
		chromedp.AttributeValue(`div.pdf`, "data-rendered", &pages, nil, chromedp.ByQuery),
		chromedp.Evaluate(`document.getElementById('sign').disabled`, &disabled))
	if pages != "1" || disabled {
		t.Errorf("the draft: %q pages drawn; Ký số disabled: %v", pages, disabled)
	}
	chair.screenshot("dossier-chairman")
	// Returning needs a reason: the browser will not send the form without one.
	var valid bool
	chair.run(chromedp.Evaluate(`document.getElementById('reason').checkValidity()`, &valid))
	if valid {
		t.Error("the return form takes an empty reason")
	}
	chair.run(chromedp.Click(`#sign`, chromedp.ByID), chromedp.WaitVisible(`.notice`, chromedp.ByQuery))
	if !strings.Contains(chair.text(), "Đã ký số") {
		t.Errorf("after signing: %s", chair.text())
	}
	// One with the chairman's own USB token (SoftHSM2), through the
	// signing agent on "their computer": the page gets the certificate from
	// the agent, the agent asks at its terminal, the token signs.
	tokenDossier := batch[0]
	batch = batch[1:]
	agent := startSignAgent(t, cfg, agentAddr, p.api)
	chair.run(chromedp.Navigate(base+"/dossiers/"+tokenDossier), chromedp.WaitEnabled(`#sign-token`, chromedp.ByID),
		chromedp.Click(`#sign-token`, chromedp.ByID))
	agent.confirm(t)
	chair.run(chromedp.WaitVisible(`.notice`, chromedp.ByQuery))
	if !strings.Contains(chair.text(), "Đã ký số") {
		t.Errorf("after signing with the token: %s", chair.text())
	}
	st := await(t, api["clerk"], tokenDossier, func(s motcua.State) bool { return s.Result != nil && s.Result.ArchiveID != "" }, "archived")
	if st.Result.SignedBy != "chairman1" {
		t.Errorf("signed by %q", st.Result.SignedBy)
	}
	if !strings.Contains(agent.out.String(), "đã ký 1") {
		t.Errorf("the agent:\n%s", agent.out)
	}
	batch = append(batch, tokenDossier) // checked with pdfsig below, with the others

	// From opening the inbox to ten signed results.
	began := time.Now()
	chair.run(chromedp.Navigate(base+"/inbox"), chromedp.WaitVisible(`#sign-all`, chromedp.ByID))
	if !strings.Contains(chair.text(), "Ký tất cả (10)") {
		t.Errorf("the inbox after one signature:\n%s", chair.text())
	}
	chair.run(chromedp.Click(`#sign-all`, chromedp.ByID), chromedp.WaitVisible(`//h1[starts-with(normalize-space(), "Kết quả ký")]`, chromedp.BySearch))
	t.Logf("inbox opened to a batch of 10 signed: %s", time.Since(began).Round(time.Millisecond))
	chair.screenshot("batch-result")
	if n := strings.Count(chair.text(), "Đã ký số"); n != 10 {
		t.Errorf("batch: %d signed, want 10:\n%s", n, chair.text())
	}

	// Two more, signed at once with the token: one confirmation at the
	// agent, a result per dossier.
	pair := awaiting(2)
	chair.run(chromedp.Navigate(base+"/inbox"), chromedp.WaitEnabled(`#sign-all-token`, chromedp.ByID))
	if !strings.Contains(chair.text(), "Ký tất cả bằng USB token (2)") {
		t.Errorf("the inbox's token batch:\n%s", chair.text())
	}
	chair.run(chromedp.Click(`#sign-all-token`, chromedp.ByID))
	agent.confirm(t)
	chair.run(chromedp.WaitVisible(`table.token-results`, chromedp.ByQuery))
	chair.screenshot("batch-token")
	if n := strings.Count(chair.text(), "Đã ký số"); n != 2 {
		t.Errorf("token batch: %d signed, want 2:\n%s", n, chair.text())
	}
	if c := strings.Count(agent.out.String(), "Gõ y để ký"); c != 2 || !strings.Contains(agent.out.String(), "đã ký 2") {
		t.Errorf("the agent asked %d times (want once per batch):\n%s", c, agent.out)
	}
	batch = append(batch, pair...)

	// Through the remote-signing service: two at once, approved on "the
	// phone" after matching the code; then one refused, and one let expire.
	sim := startRemoteSignSim(t, cfg, simAddr)
	remote := awaiting(2)
	chair.run(chromedp.Navigate(base+"/inbox"), chromedp.WaitVisible(`#sign-all-remote`, chromedp.ByID),
		chromedp.Click(`#sign-all-remote`, chromedp.ByID), chromedp.WaitVisible(`#tx-code`, chromedp.ByID))
	chair.screenshot("remote-wait")
	sim.decide(t, chair, "approve")
	chair.run(chromedp.WaitVisible(`table.list`, chromedp.ByQuery))
	chair.screenshot("remote-done")
	if n := strings.Count(chair.text(), "Đã ký số"); n != 2 || !strings.Contains(chair.text(), "Đã ký qua dịch vụ ký từ xa") {
		t.Errorf("remote batch:\n%s", chair.text())
	}
	batch = append(batch, remote...)
	last := awaiting(1)[0]
	for action, want := range map[string]string{"refuse": "Người ký đã từ chối", "expire": "Giao dịch đã hết hạn"} {
		chair.run(chromedp.Navigate(base+"/dossiers/"+last), chromedp.WaitEnabled(`#sign-remote`, chromedp.ByID),
			chromedp.Click(`#sign-remote`, chromedp.ByID), chromedp.WaitVisible(`#tx-code`, chromedp.ByID))
		sim.decide(t, chair, action)
		chair.run(chromedp.WaitVisible(`table.list`, chromedp.ByQuery))
		if !strings.Contains(chair.text(), want) {
			t.Errorf("%s on the phone:\n%s", action, chair.text())
		}
		if st, _ := api["clerk"].Get(ctx, last); st.Status != motcua.StatusAwaitingSignature {
			t.Errorf("after %s the dossier is %s", action, st.Status)
		}
	}

	// Every issued result passes pdfsig: the leader's signature and the office's.
	for _, d := range append(batch, id) {
		st := await(t, api["clerk"], d, func(s motcua.State) bool { return s.Result != nil && s.Result.ArchiveID != "" }, "archived")
		result, err := api["clerk"].Result(ctx, st.DossierID)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "result.pdf")
		os.WriteFile(path, result, 0o600)
		if text := signertest.Pdfsig(t, path); strings.Count(text, "Signature is Valid") != 2 || !strings.Contains(text, "Nguyễn Văn Vĩnh") || !strings.Contains(text, "Common Name: Ủy ban nhân dân xã Tân Lập") {
			t.Errorf("%s: pdfsig:\n%s", d, text)
		}
	}

	// The clerk finds the result in "Kết quả chờ trả" and hands it back at
	// the counter: the dossier is returned (portal code 10).
	await(t, api["clerk"], id, func(s motcua.State) bool { return s.Status == motcua.StatusCompleted }, "completed")
	clerk.run(chromedp.Navigate(base+"/inbox?status=completed"), chromedp.WaitVisible(`h1`, chromedp.ByQuery))
	if !strings.Contains(clerk.text(), "Kết quả chờ trả") || !strings.Contains(clerk.text(), id) {
		t.Errorf("the clerk's list of results to hand back:\n%s", clerk.text())
	}
	clerk.run(chromedp.Navigate(base+"/dossiers/"+id), chromedp.WaitVisible(`#hand-back`, chromedp.ByID))
	clerk.screenshot("hand-back-clerk")
	clerk.run(chromedp.Click(`#hand-back`, chromedp.ByID), chromedp.WaitVisible(`.notice, .problem`, chromedp.ByQuery))
	if text := clerk.text(); !strings.Contains(text, "Đã trả kết quả cho công dân") || !strings.Contains(text, "Đã trả kết quả") {
		t.Errorf("after the hand-back:\n%s", text)
	}
	if st, _ := api["clerk"].Get(ctx, id); st.Status != motcua.StatusReturned || st.HandedBack == nil || st.HandedBack.Method != "counter" {
		t.Errorf("after the hand-back the dossier is %s %+v", st.Status, st.HandedBack)
	}

	// The vice-chairman signs in with the keyboard alone (the username has
	// the focus; Tab; Enter) and finds the same signing desk.
	{
		vice := &person{t: t, ctx: browser(t), base: base, shot: shots, role: "vice_chairman"}
		vice.run(chromedp.Navigate(base+"/login"), chromedp.WaitVisible(`#username`, chromedp.ByID),
			chromedp.KeyEvent(logins["vice_chairman"].Username), chromedp.KeyEvent("\t"),
			chromedp.KeyEvent(logins["vice_chairman"].Password), chromedp.KeyEvent("\r"),
			chromedp.WaitVisible(`header .who`, chromedp.ByQuery))
		vice.run(chromedp.Navigate(base+"/inbox"), chromedp.WaitVisible(`h1`, chromedp.ByQuery))
		if !strings.Contains(vice.text(), "Trình ký") || !strings.Contains(vice.text(), "Phạm Thị Hương") {
			t.Errorf("the vice-chairman's desk:\n%s", vice.text())
		}
	}

	// The auditor reads the timeline and the verification report.
	aud := signIn(t, base, shots, logins["auditor"], "auditor")
	aud.run(chromedp.Navigate(base+"/search?code="+id), chromedp.WaitVisible(`pre.report`, chromedp.ByQuery))
	text := aud.text()
	for _, want := range []string{"Diễn biến hồ sơ", "KẾT LUẬN / VERDICT: HỢP LỆ / VALID", "B-LTA", "Tải gói kiểm toán"} {
		if !strings.Contains(text, want) {
			t.Errorf("the auditor's page lacks %q", want)
		}
	}
	for _, forbidden := range []string{"|Ký số|", "|Đồng ý|", "|Tiếp nhận hồ sơ|"} {
		if strings.Contains(aud.controls(), forbidden) {
			t.Errorf("the auditor sees %q", forbidden)
		}
	}
	aud.screenshot("dossier-auditor")
	// English on request.
	aud.run(chromedp.Navigate(base+"/lang/en"), chromedp.WaitVisible(`h1`, chromedp.ByQuery))
	aud.run(chromedp.Navigate(base+"/inbox"), chromedp.WaitVisible(`h1`, chromedp.ByQuery))
	if !strings.Contains(aud.text(), "Completed dossiers") {
		t.Errorf("English inbox:\n%s", aud.text())
	}

	// A page posted without the session's form token is refused.
	resp, err := http.Post(base+"/sign-all", "application/x-www-form-urlencoded", strings.NewReader("id="+last))
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("POST /sign-all without a session: %v %v", resp, err)
	}
}

// signAgent is `motcua sign-agent` running for a test: its terminal is a
// pipe the test answers.
type signAgent struct {
	stdin io.WriteCloser
	out   *syncBuffer
	asked int // questions answered
}

// confirm waits for the agent's next question and answers yes.
func (a *signAgent) confirm(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for strings.Count(a.out.String(), "Gõ y để ký") <= a.asked {
		if time.Now().After(deadline) {
			t.Fatalf("the agent never asked:\n%s", a.out)
		}
		time.Sleep(20 * time.Millisecond)
	}
	a.asked++
	io.WriteString(a.stdin, "y\n")
}

// startSignAgent provisions a SoftHSM2 token with a key the dev CA
// certifies for the chairman, and starts the agent on it for the pages'
// origin.
func startSignAgent(t *testing.T, cfg devConfig, addr, origin string) *signAgent {
	t.Helper()
	ca, err := devca.Open(filepath.Join(cfg.data, "ca"), "x")
	if err != nil {
		t.Fatal(err)
	}
	ca.SetPKIBase("http://" + cfg.pki)
	hsm := signertest.NewSoftHSM(t, "chairman-usb")
	hsm.Provision(t, "chairman1", false, func(pub crypto.PublicKey) (*x509.Certificate, error) { return ca.Certify("Nguyễn Văn Vĩnh", pub) })
	cmd := exec.Command(binary, "sign-agent", "--addr", addr, "--origin", origin, "--pkcs11-module", hsm.Module,
		"--pkcs11-token", hsm.Token, "--key-label", "chairman1", "--pin-env", "TOKEN_PIN", "--chain", ca.RootPath())
	cmd.Env = append(os.Environ(), "SOFTHSM2_CONF="+hsm.Conf, "TOKEN_PIN="+hsm.PIN)
	a := &signAgent{out: &syncBuffer{}}
	cmd.Stderr, cmd.Stdout = a.out, a.out
	if a.stdin, err = cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for deadline := time.Now().Add(20 * time.Second); !strings.Contains(a.out.String(), "motcua sign-agent:"); {
		if time.Now().After(deadline) {
			t.Fatalf("the agent did not start:\n%s", a.out)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Another site's page gets nothing from it.
	req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/certificate", nil)
	req.Header.Set("Origin", "http://evil.example")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("the agent answered another origin: %v %v", resp, err)
	}
	return a
}

// remoteSignSim is `motcua remote-sign-sim` running for a test.
type remoteSignSim struct{ url string }

// decide plays the leader's phone: finds the transaction whose code the
// page shows and approves, refuses or lets it expire.
func (r *remoteSignSim) decide(t *testing.T, b *person, action string) {
	t.Helper()
	var code string
	b.run(chromedp.Evaluate(`document.getElementById('tx-code').textContent.trim()`, &code))
	r.approveCode(t, code, action)
}

// approveCode approves, refuses or lets expire the pending transaction
// with the code.
func (r *remoteSignSim) approveCode(t *testing.T, code, action string) {
	t.Helper()
	resp, err := http.Get(r.url + "/v1/transactions")
	if err != nil {
		t.Fatal(err)
	}
	var pending []struct{ ID, Code string }
	json.NewDecoder(resp.Body).Decode(&pending)
	resp.Body.Close()
	for _, tx := range pending {
		if tx.Code == code {
			resp, err := http.Post(r.url+"/v1/transactions/"+tx.ID+"/"+action, "application/json", nil)
			if err != nil || resp.StatusCode != http.StatusNoContent {
				t.Fatalf("%s: %v %v", action, resp, err)
			}
			return
		}
	}
	t.Fatalf("no pending transaction with the page's code %q: %+v", code, pending)
}

func startRemoteSignSim(t *testing.T, cfg devConfig, addr string) *remoteSignSim {
	t.Helper()
	cmd := exec.Command(binary, "remote-sign-sim", "--addr", addr, "--data", cfg.data, "--pki-url", "http://"+cfg.pki)
	out := &syncBuffer{}
	cmd.Stderr, cmd.Stdout = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for deadline := time.Now().Add(20 * time.Second); !strings.Contains(out.String(), "motcua remote-sign-sim on"); {
		if time.Now().After(deadline) {
			t.Fatalf("the simulator did not start:\n%s", out)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return &remoteSignSim{url: "http://" + addr}
}
