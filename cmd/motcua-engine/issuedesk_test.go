package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/signer/signertest"
)

// The records officer's "Phát hành" page and the public pages, in a real
// browser over `motcua dev`: marriage registrations (the demo catalog's
// procedure the records officer issues by hand) wait after the chairman's
// signature; the records officer returns one to the chairman with a
// reason, then issues all of them at once; the register numbers them. A
// citizen follows the receipt's QR code to the lookup, is refused with a
// wrong last four and answered with the right one; anyone follows the
// result's QR code to its check, uploads the file and a tampered copy.
func TestTheIssueDeskAndThePublicPages(t *testing.T) {
	processTest(t, "drives chromium through the issue desk and the public pages")
	cfg := devConfig{data: t.TempDir(), api: freeAddr(t), temporal: freeAddr(t), pki: freeAddr(t)}
	p := startDev(t, cfg)
	base := p.api
	shots := os.Getenv("MOTCUA_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	}
	var logins map[string]struct{ Username, Password string }
	if b, err := os.ReadFile(filepath.Join(cfg.data, "dev-passwords.json")); err != nil || json.Unmarshal(b, &logins) != nil {
		t.Fatalf("dev-passwords.json: %v", err)
	}
	api := newRoleClient(p.api, tokens(t, cfg.data))
	ctx := context.Background()

	const phone = "0912345678"
	var ids []string
	for _, couple := range [][2]string{{"Hoàng Văn Nam", "Lê Thị Thu"}, {"Phạm Quốc Bảo", "Đặng Thị Hoa"}, {"Vũ Minh Đức", "Ngô Thị Lan"}} {
		c, err := api["clerk"].Create(ctx, motcua.Application{
			ProcedureCode: "1.000894", Channel: motcua.ChannelCounter,
			Applicant: motcua.Applicant{FullName: couple[0], IDNumber: "001099012345", Phone: phone},
			Fields:    map[string]string{"husband_name": couple[0], "wife_name": couple[1], "registration_date": "2026-12-03"},
			Documents: []motcua.Document{{Code: "TK_KH", Name: "to-khai.pdf", ContentType: "application/pdf", Content: []byte("%PDF-1.4\n%%EOF\n")},
				{Code: "XNHN", Name: "xac-nhan.pdf", ContentType: "application/pdf", Content: []byte("%PDF-1.4\n%%EOF\n")}},
		})
		if err != nil {
			t.Fatalf("intake: %v", err)
		}
		if _, err := api["specialist"].Review(ctx, c.DossierID, motcua.Review{Decision: motcua.DecisionApprove}); err != nil {
			t.Fatalf("review: %v", err)
		}
		st, err := api["chairman"].Sign(ctx, c.DossierID, motcua.SignDecision{Decision: motcua.DecisionSign})
		if err != nil || st.Status != motcua.StatusAwaitingIssue {
			t.Fatalf("sign: %v %s", err, st.Status)
		}
		ids = append(ids, c.DossierID)
	}

	// The records officer's desk: the queue and "Phát hành tất cả (3)".
	clerkOfRecords := signIn(t, base, shots, logins["records_officer"], "records_officer")
	clerkOfRecords.run(chromedp.Navigate(base+"/inbox"), chromedp.WaitVisible(`#issue-all`, chromedp.ByID))
	text := clerkOfRecords.text()
	if !strings.Contains(text, "Phát hành tất cả (3)") || !strings.Contains(text, "Đăng ký kết hôn") || !strings.Contains(text, "Chờ phát hành") {
		t.Errorf("the issue desk:\n%s", text)
	}
	if c := clerkOfRecords.controls(); strings.Contains(c, "|Ký tất cả") || strings.Contains(c, "|Tiếp nhận hồ sơ|") {
		t.Errorf("the records officer is offered %s", c)
	}
	clerkOfRecords.screenshot("issue-desk")

	// One result is returned to the chairman, with the reason.
	clerkOfRecords.run(chromedp.Navigate(base+"/dossiers/"+ids[0]), chromedp.WaitEnabled(`#issue`, chromedp.ByID))
	clerkOfRecords.screenshot("issue-dossier")
	clerkOfRecords.run(chromedp.SendKeys(`#issue-reason`, "Sai ngày đăng ký, đề nghị ký lại", chromedp.ByID),
		chromedp.Click(`#issue-return`, chromedp.ByID), chromedp.WaitVisible(`.notice`, chromedp.ByQuery))
	if st, _ := api["clerk"].Get(ctx, ids[0]); st.Status != motcua.StatusAwaitingSignature {
		t.Fatalf("returned to the chairman: %s", st.Status)
	}
	if _, err := api["chairman"].Sign(ctx, ids[0], motcua.SignDecision{Decision: motcua.DecisionSign}); err != nil {
		t.Fatal(err)
	}

	// All three issued at once.
	clerkOfRecords.run(chromedp.Navigate(base+"/inbox"), chromedp.WaitVisible(`#issue-all`, chromedp.ByID),
		chromedp.Click(`#issue-all`, chromedp.ByID), chromedp.WaitVisible(`//h1[starts-with(normalize-space(), "Kết quả phát hành")]`, chromedp.BySearch))
	if text := clerkOfRecords.text(); strings.Count(text, "Đã phát hành") != 3 {
		t.Errorf("the batch:\n%s", text)
	}
	clerkOfRecords.screenshot("issue-all-done")
	numbers := map[int]bool{}
	for _, id := range ids {
		st := await(t, api["clerk"], id, func(s motcua.State) bool { return s.Status == motcua.StatusCompleted }, "completed")
		if r := st.Result; r == nil || r.Register == nil || r.Register.Register != "KH" || r.IssuedBy != logins["records_officer"].Username {
			t.Fatalf("%s: %+v", id, st.Result)
		}
		numbers[st.Result.Register.Number] = true
	}
	if !numbers[1] || !numbers[2] || !numbers[3] {
		t.Errorf("the register numbers %v, want 1, 2, 3", numbers)
	}
	id := ids[1]
	st, _ := api["clerk"].Get(ctx, id)

	// The citizen, signed in nowhere, follows the receipt's QR code.
	fetch := func(name string) string {
		get := map[string]func(context.Context, string) ([]byte, error){"receipt": api["clerk"].Receipt, "result": api["clerk"].Result}[name]
		b, err := get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), name+".pdf")
		os.WriteFile(path, b, 0o600)
		return path
	}
	lookupLink := signertest.QRCodes(t, fetch("receipt"), 1)
	if len(lookupLink) != 1 || lookupLink[0] != base+"/tra-cuu?ma="+id {
		t.Fatalf("the receipt's QR code: %q", lookupLink)
	}
	citizen := &person{t: t, ctx: browser(t), base: base, shot: shots, role: "citizen"}
	citizen.run(chromedp.Navigate(lookupLink[0]), chromedp.WaitVisible(`#last4`, chromedp.ByID))
	citizen.run(chromedp.SendKeys(`#last4`, "1111", chromedp.ByID), chromedp.Submit(`#last4`, chromedp.ByID), chromedp.WaitVisible(`.problem`, chromedp.ByQuery))
	if text := citizen.text(); !strings.Contains(text, "Không tìm thấy hồ sơ") || strings.Contains(text, "Đăng ký kết hôn") {
		t.Errorf("a wrong last four:\n%s", text)
	}
	citizen.screenshot("lookup-wrong")
	citizen.run(chromedp.SetValue(`#last4`, phone[len(phone)-4:], chromedp.ByID), chromedp.Submit(`#last4`, chromedp.ByID),
		chromedp.WaitVisible(`section.public-answer`, chromedp.ByQuery))
	text = citizen.text()
	for _, want := range []string{id, "P. Q. B.", "Đăng ký kết hôn", st.Status.Vietnamese(), st.Result.Register.Label(), "Phát hành: "} {
		if !strings.Contains(text, want) {
			t.Errorf("the lookup lacks %q:\n%s", want, text)
		}
	}
	for _, pii := range []string{"Phạm Quốc Bảo", "Đặng Thị Hoa", phone, "001099012345", "specialist1", "chairman1"} {
		if strings.Contains(text, pii) {
			t.Errorf("the public lookup shows %q", pii)
		}
	}
	citizen.screenshot("lookup")

	// A bank follows the result's QR code, then uploads the file and a
	// tampered copy.
	resultPath := fetch("result")
	checkLink := signertest.QRCodes(t, resultPath, 1)
	if len(checkLink) != 1 || checkLink[0] != base+"/kiem-tra?ma="+id+"&k="+st.CheckKey {
		t.Fatalf("the result's QR code: %q", checkLink)
	}
	bank := &person{t: t, ctx: browser(t), base: base, shot: shots, role: "bank"}
	bank.run(chromedp.Navigate(checkLink[0]), chromedp.WaitVisible(`section.verdict`, chromedp.ByQuery))
	text = bank.text()
	for _, want := range []string{"HỢP LỆ", "Văn bản hợp lệ", motcua.DefaultUnit.Name, st.Result.Register.Label(), "Trùng khớp bản lưu trữ", "Chữ ký số của cơ quan, tổ chức", "Nguyễn Văn Vĩnh"} {
		if !strings.Contains(text, want) {
			t.Errorf("the check from the QR code lacks %q:\n%s", want, text)
		}
	}
	bank.screenshot("check-qr")
	bank.run(chromedp.SetUploadFiles(`#file`, []string{resultPath}, chromedp.ByID), chromedp.Submit(`#file`, chromedp.ByID),
		chromedp.WaitVisible(`section.verdict.valid`, chromedp.ByQuery))
	if text := bank.text(); !strings.Contains(text, "Trùng khớp bản lưu trữ của cơ quan (bản phát hành)") {
		t.Errorf("the uploaded file:\n%s", text)
	}
	b, _ := os.ReadFile(resultPath)
	i := strings.Index(string(b), "/Creator")
	b[i+len("/Creator")+3] ^= 0x01
	tampered := filepath.Join(t.TempDir(), "ket-qua-sua.pdf")
	os.WriteFile(tampered, b, 0o600)
	bank.run(chromedp.SetUploadFiles(`#file`, []string{tampered}, chromedp.ByID), chromedp.Submit(`#file`, chromedp.ByID),
		chromedp.WaitVisible(`section.verdict.invalid`, chromedp.ByQuery))
	if text := bank.text(); !strings.Contains(text, "KHÔNG HỢP LỆ") || !strings.Contains(text, "Không trùng với văn bản nào cơ quan lưu trữ") {
		t.Errorf("the tampered file:\n%s", text)
	}
	bank.screenshot("check-tampered")
}
