package activities_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"go.temporal.io/sdk/testsuite"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/activities"
	"github.com/motcua/motcua/internal/archive"
	"github.com/motcua/motcua/internal/notify"
	"github.com/motcua/motcua/internal/notify/notifytest"
	"github.com/motcua/motcua/internal/vouch"
	"github.com/motcua/motcua/signer"
	"github.com/motcua/motcua/signer/devca"
)

// commands is the API's command key of these tests.
var commands, _ = vouch.Generate()

// vouchedSign is the API's voucher for user signing dossier d.
func vouchedSign(t *testing.T, d motcua.Dossier, user motcua.User) *vouch.Voucher {
	t.Helper()
	v, err := commands.Vouch(motcua.SignDecision{Decision: motcua.DecisionSign, Actor: user.ID, ActorName: user.Name, ActorRole: user.Role},
		vouch.Voucher{Actor: user, DossierID: d.ID, Update: "sign", IssuedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func setup(t *testing.T) (*activities.Activities, *notifytest.SMTPServer) {
	t.Helper()
	dir := t.TempDir()
	store, err := archive.Open(filepath.Join(dir, "archive"))
	if err != nil {
		t.Fatal(err)
	}
	ca, err := devca.Open(filepath.Join(dir, "ca"), motcua.DefaultUnit.Name)
	if err != nil {
		t.Fatal(err)
	}
	smtp, err := notifytest.StartSMTP()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(smtp.Close)
	ledger, _ := notify.NewLedger(filepath.Join(dir, "notify"))
	return &activities.Activities{
		Unit: motcua.DefaultUnit, Store: store,
		Keys: func(u motcua.User) (signer.Key, error) {
			return ca.Key(devca.Person{ID: u.ID, Name: u.Name})
		},
		Signing:  signer.Options{Roots: ca.Roots()},
		Commands: commands.Verifier(),
		Email:    notify.Once{Channel: "email", Sender: notify.SMTP{Addr: smtp.Addr, From: "x@localhost"}, Ledger: ledger},
		SMS:      notify.Once{Channel: "sms", Sender: notify.Outbox{Dir: filepath.Join(dir, "outbox"), Extension: "sms"}, Ledger: ledger},
		Log:      zerolog.Nop(),
	}, smtp
}

func sampleDossier() motcua.Dossier {
	at := time.Date(2026, 11, 25, 10, 0, 0, 0, motcua.Vietnam)
	return motcua.Dossier{
		ID: "000.00.01.H22-261125-0100", ProcedureCode: "1.001193", Channel: motcua.ChannelCounter,
		Applicant:  motcua.Applicant{FullName: "Ngô Bảo Châu", IDNumber: "001080000001", Email: "chau@example.vn"},
		Fields:     map[string]string{"child_name": "Ngô Minh An", "child_birth_date": "2026-11-20", "birth_place": "Hà Nội", "relationship": "Cha"},
		ReceivedBy: "clerk1", ReceivedAt: at, DueAt: at.Add(30 * time.Hour),
	}
}

// Each side effect, run again for the same dossier and step, has no second
// effect: the same receipt, the same signature, the same archive record,
// one email.
func TestActivitiesAreIdempotentPerDossierAndStep(t *testing.T) {
	acts, smtp := setup(t)
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	env.RegisterActivity(acts)
	d := sampleDossier()

	run := func(fn any, arg any, out any) {
		t.Helper()
		v, err := env.ExecuteActivity(fn, arg)
		if err != nil {
			t.Fatal(err)
		}
		if err := v.Get(out); err != nil {
			t.Fatal(err)
		}
	}
	var r1, r2 motcua.DocumentRef
	run(acts.IssueReceipt, d, &r1)
	run(acts.IssueReceipt, d, &r2)
	if r1.SHA256 != r2.SHA256 {
		t.Errorf("receipt re-run stored another file: %s %s", r1.SHA256, r2.SHA256)
	}

	chairman := motcua.User{ID: "chairman1", Name: "Nguyễn Văn Vĩnh", Role: motcua.RoleChairman}
	in := activities.SignInput{Dossier: d, ApprovedAt: d.ReceivedAt.Add(time.Hour), Round: 1, At: d.ReceivedAt.Add(2 * time.Hour),
		Signer: chairman, Voucher: vouchedSign(t, d, chairman)}
	var s1, s2 activities.Signed
	run(acts.SignResult, in, &s1)
	run(acts.SignResult, in, &s2)
	if s1.SHA256 != s2.SHA256 || s1.SignerCN != "Nguyễn Văn Vĩnh" {
		t.Errorf("signing re-run: %+v vs %+v", s1, s2)
	}
	in.Round, in.At = 2, in.At.Add(24*time.Hour) // signed again the next day
	var s3 activities.Signed
	run(acts.SignResult, in, &s3)
	if s3.SHA256 == s1.SHA256 {
		t.Error("a new signature round returned the old signature")
	}

	var a1, a2 archive.Record
	arch := activities.ArchiveInput{Dossier: d, Signed: s1, SignedBy: "chairman1"}
	run(acts.ArchiveResult, arch, &a1)
	run(acts.ArchiveResult, arch, &a2)
	if a1 != a2 || a1.SHA256 != s1.SHA256 {
		t.Errorf("archive re-run: %+v vs %+v", a1, a2)
	}
	if _, err := env.ExecuteActivity(acts.ArchiveResult, activities.ArchiveInput{Dossier: d, Signed: s3, SignedBy: "chairman1"}); err == nil ||
		!strings.Contains(err.Error(), "different content") {
		t.Errorf("a second result for an archived dossier: %v", err)
	}

	var n1, n2 activities.Notified
	run(acts.Notify, activities.NotifyInput{Dossier: d, Event: "completed"}, &n1)
	run(acts.Notify, activities.NotifyInput{Dossier: d, Event: "completed"}, &n2)
	if n1.Email != "sent" || n2.Email != "already_sent" || n1.SMS != "no_address" {
		t.Errorf("notifications %+v then %+v", n1, n2)
	}
	if len(smtp.Mail()) != 1 {
		t.Errorf("%d emails", len(smtp.Mail()))
	}
}

func TestSigningWithoutAKeyIsPermanent(t *testing.T) {
	acts, _ := setup(t)
	acts.Keys = func(motcua.User) (signer.Key, error) { return signer.Key{}, errNoKey }
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	env.RegisterActivity(acts)
	u := motcua.User{ID: "u", Name: "U", Role: motcua.RoleChairman}
	_, err := env.ExecuteActivity(acts.SignResult, activities.SignInput{Dossier: sampleDossier(), Round: 1,
		Signer: u, Voucher: vouchedSign(t, sampleDossier(), u)})
	if err == nil || !strings.Contains(err.Error(), activities.ErrSigningKey) {
		t.Errorf("err %v", err)
	}
}

type keyErr string

func (e keyErr) Error() string { return string(e) }

const errNoKey = keyErr("no key configured")

// A signature is made only for a decision the API vouched for, with the key
// of the user the voucher names, whatever name the input gives.
func TestSigningNeedsTheAPIsVoucher(t *testing.T) {
	acts, _ := setup(t)
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	env.RegisterActivity(acts)
	d := sampleDossier()
	chairman := motcua.User{ID: "chairman1", Name: "Nguyễn Văn Vĩnh", Role: motcua.RoleChairman}
	mallory := motcua.User{ID: "mallory", Name: "Mallory Forger", Role: motcua.RoleChairman}
	forger, _ := vouch.Generate()
	forged, _ := forger.Vouch(motcua.SignDecision{Decision: motcua.DecisionSign}, vouch.Voucher{Actor: mallory, DossierID: d.ID, Update: "sign"})
	other := d
	other.ID = "000.00.01.H22-261125-0999"
	for name, v := range map[string]*vouch.Voucher{"none": nil, "forged": forged, "another dossier": vouchedSign(t, other, chairman)} {
		_, err := env.ExecuteActivity(acts.SignResult, activities.SignInput{Dossier: d, Round: 1, At: d.ReceivedAt, Signer: mallory, Voucher: v})
		if err == nil || !strings.Contains(err.Error(), activities.ErrSigningKey) {
			t.Errorf("%s: %v, want a permanent refusal", name, err)
		}
	}
	// The input names Mallory; the voucher names the chairman: the
	// chairman's key signs.
	var out activities.Signed
	res, err := env.ExecuteActivity(acts.SignResult, activities.SignInput{Dossier: d, Round: 1, At: d.ReceivedAt, Signer: mallory, Voucher: vouchedSign(t, d, chairman)})
	if err != nil {
		t.Fatal(err)
	}
	res.Get(&out)
	if out.SignerCN != chairman.Name {
		t.Errorf("signed by %q, want the vouched chairman", out.SignerCN)
	}
}
