package notify_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/motcua/motcua/internal/notify"
	"github.com/motcua/motcua/internal/notify/notifytest"
)

func TestEachKeyIsSentOncePerChannel(t *testing.T) {
	srv, err := notifytest.StartSMTP()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	gw := notifytest.StartSMS()
	defer gw.Close()
	ledger, err := notify.NewLedger(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	email := notify.Once{Channel: "email", Sender: notify.SMTP{Addr: srv.Addr, From: "ubnd@example.vn"}, Ledger: ledger}
	sms := notify.Once{Channel: "sms", Sender: notify.SMSGateway{URL: gw.URL}, Ledger: ledger}
	m := notify.Message{Key: "000.00.01.H22-261125-0001/completed", To: "dan@example.vn", Subject: "Hồ sơ đã có kết quả", Body: "Kính gửi Ông/Bà Nguyễn Văn Dân"}
	for i := range 3 {
		sent, err := email.Send(context.Background(), m)
		if err != nil || sent != (i == 0) {
			t.Fatalf("email attempt %d: sent=%v err=%v", i+1, sent, err)
		}
		sms.Send(context.Background(), notify.Message{Key: m.Key, To: "0912345678", Body: m.Body})
	}
	mail := srv.Mail()
	if len(mail) != 1 || mail[0].To[0] != "dan@example.vn" || !strings.Contains(mail[0].Data, "Nguyễn Văn Dân") ||
		!strings.Contains(mail[0].Data, "Message-ID: <000.00.01.H22-261125-0001_completed@") {
		t.Errorf("mail %+v", mail)
	}
	if got := gw.Messages(); len(got) != 1 || got[0].ID != m.Key {
		t.Errorf("sms %+v", got)
	}
}

func TestOutboxWritesOneFilePerMessage(t *testing.T) {
	dir := t.TempDir()
	o := notify.Outbox{Dir: dir, Extension: "eml"}
	m := notify.Message{Key: "D-1/rejected", To: "a@b.vn", Subject: "S", Body: "B"}
	for range 2 {
		if err := o.Send(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
	if len(files) != 1 {
		t.Fatalf("%d files", len(files))
	}
	b, _ := os.ReadFile(files[0])
	if !strings.Contains(string(b), "To: a@b.vn") {
		t.Errorf("%s", b)
	}
}

type failing struct{}

func (failing) Send(_ context.Context, m notify.Message) error {
	return errors.New("550 5.1.1 <" + m.To + ">: Recipient address rejected")
}

// Delivery errors end up in the workflow history: they never name the
// recipient.
func TestErrorsDoNotNameTheRecipient(t *testing.T) {
	ledger, _ := notify.NewLedger(t.TempDir())
	o := notify.Once{Channel: "email", Sender: failing{}, Ledger: ledger}
	_, err := o.Send(context.Background(), notify.Message{Key: "k", To: "ngoc@example.vn"})
	if err == nil || strings.Contains(err.Error(), "ngoc@example.vn") || !strings.Contains(err.Error(), "Recipient address rejected") {
		t.Errorf("error %v", err)
	}
}
