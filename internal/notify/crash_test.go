package notify_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"syscall"
	"testing"

	"github.com/motcua/motcua/internal/notify"
	"github.com/motcua/motcua/internal/notify/notifytest"
)

// crashEnv makes the test binary a process that sends one message and is
// killed at once, after the message went out and before the ledger
// recorded it: "email ADDR LEDGER" or "sms URL LEDGER".
const crashEnv = "MOTCUA_TEST_NOTIFY_CRASH"

func TestMain(m *testing.M) {
	if v := os.Getenv(crashEnv); v != "" {
		crashAfterSending(v)
	}
	os.Exit(m.Run())
}

// dies sends with Sender, then SIGKILLs its own process: Once's ledger
// write, which follows the send, never happens.
type dies struct{ notify.Sender }

func (d dies) Send(ctx context.Context, m notify.Message) error {
	if err := d.Sender.Send(ctx, m); err != nil {
		return err
	}
	syscall.Kill(os.Getpid(), syscall.SIGKILL)
	select {} // the signal takes the process here
}

func crashAfterSending(spec string) {
	var channel, addr, dir string
	if _, err := fmt.Sscan(spec, &channel, &addr, &dir); err != nil {
		panic(err)
	}
	ledger, err := notify.NewLedger(dir)
	if err != nil {
		panic(err)
	}
	sender, to := notify.Sender(notify.SMTP{Addr: addr, From: "ubnd@example.vn"}), crashMessage.To
	if channel == "sms" {
		sender, to = notify.SMSGateway{URL: addr}, "0912345678"
	}
	m := crashMessage
	m.To = to
	notify.Once{Channel: channel, Sender: dies{sender}, Ledger: ledger}.Send(context.Background(), m)
	panic("not killed")
}

var crashMessage = notify.Message{Key: "000.00.01.H22-261125-0002/completed", To: "dan@example.vn", Subject: "Hồ sơ đã có kết quả", Body: "Kính gửi Ông/Bà"}

// A worker killed after a message went out and before the ledger recorded
// it sends it again when the activity is retried: delivery is at least
// once. The copy carries what lets the other side drop it: the same
// Message-ID for mail systems, the same Idempotency-Key (and id) for the
// SMS gateway. After the retry the ledger has it: no third copy.
func TestACrashBetweenSendingAndRecordingRepeatsTheMessageWithTheSameKey(t *testing.T) {
	srv, err := notifytest.StartSMTP()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	gw := notifytest.StartSMS()
	defer gw.Close()
	dir := t.TempDir()
	for _, c := range []struct{ channel, addr string }{{"email", srv.Addr}, {"sms", gw.URL}} {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), crashEnv+"="+c.channel+" "+c.addr+" "+dir)
		out, err := cmd.CombinedOutput()
		if ee, ok := err.(*exec.ExitError); !ok || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			t.Fatalf("%s: the sending process was not killed: %v\n%s", c.channel, err, out)
		}
	}
	ledger, _ := notify.NewLedger(dir)
	emailSent, _ := ledger.Sent(context.Background(), "email", crashMessage.Key)
	smsSent, _ := ledger.Sent(context.Background(), "sms", crashMessage.Key)
	if emailSent || smsSent {
		t.Fatal("the ledger recorded a message whose process died before recording it")
	}
	// The activity's retry, on a new worker.
	email := notify.Once{Channel: "email", Sender: notify.SMTP{Addr: srv.Addr, From: "ubnd@example.vn"}, Ledger: ledger}
	sms := notify.Once{Channel: "sms", Sender: notify.SMSGateway{URL: gw.URL}, Ledger: ledger}
	smsMessage := crashMessage
	smsMessage.To = "0912345678"
	for i := range 2 {
		if sent, err := email.Send(context.Background(), crashMessage); err != nil || sent != (i == 0) {
			t.Fatalf("email retry %d: sent %v, %v", i+1, sent, err)
		}
		if sent, err := sms.Send(context.Background(), smsMessage); err != nil || sent != (i == 0) {
			t.Fatalf("sms retry %d: sent %v, %v", i+1, sent, err)
		}
	}
	mail := srv.Mail()
	id := regexp.MustCompile(`(?m)^Message-ID: (.+)\r$`)
	if len(mail) != 2 {
		t.Fatalf("%d mails, want the first and its copy", len(mail))
	}
	first, again := id.FindStringSubmatch(mail[0].Data), id.FindStringSubmatch(mail[1].Data)
	if first == nil || again == nil || first[1] != again[1] {
		t.Errorf("the copy's Message-ID %v is not the first's %v", again, first)
	}
	got := gw.Messages()
	if len(got) != 2 || got[0].IdempotencyKey == "" || got[0].IdempotencyKey != got[1].IdempotencyKey || got[0].ID != got[1].ID {
		t.Errorf("SMS %+v: the copy does not carry the first's key", got)
	}
}
