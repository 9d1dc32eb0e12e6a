// Package notify tells the applicant about their dossier by email (SMTP) and
// SMS (an HTTP gateway), or writes the messages to an outbox folder when no
// server is configured. Each message has a key (dossier and step); a key is
// sent at most once per channel.
package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"net/smtp"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Message is one notification.
type Message struct {
	// Key identifies the message for idempotency, e.g. "<dossier>/completed".
	Key     string
	To      string
	Subject string
	Body    string
}

// Sender delivers a message over one channel.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// Ledger records which keys a channel has sent, so a retried activity sends
// nothing twice: a folder on one machine (FolderLedger), or a table every
// worker shares (readmodel.Store, on PostgreSQL).
type Ledger interface {
	// Sent reports whether key was already sent on channel.
	Sent(ctx context.Context, channel, key string) (bool, error)
	// Mark records key as sent on channel; marking it again is no error.
	Mark(ctx context.Context, channel, key string) error
}

// FolderLedger is a Ledger of one file a sent message, in a folder.
type FolderLedger struct{ dir string }

// NewLedger keeps the record of sent messages in dir.
func NewLedger(dir string) (*FolderLedger, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	return &FolderLedger{dir: dir}, nil
}

func (l *FolderLedger) path(channel, key string) string {
	return filepath.Join(l.dir, channel+"-"+fileName(key))
}

// Sent reports whether key was already sent on channel.
func (l *FolderLedger) Sent(_ context.Context, channel, key string) (bool, error) {
	_, err := os.Stat(l.path(channel, key))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

// Mark records key as sent on channel.
func (l *FolderLedger) Mark(_ context.Context, channel, key string) error {
	f, err := os.OpenFile(l.path(channel, key), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(f, time.Now().UTC().Format(time.RFC3339))
	f.Sync()
	return f.Close()
}

// Once wraps a sender so that each key is delivered at most once: a key in
// the ledger is skipped. A crash between delivery and the ledger write can
// still repeat one message; SMTP messages carry a Message-ID derived from the
// key so that mail systems can drop the copy.
type Once struct {
	Channel string
	Sender  Sender
	Ledger  Ledger
}

// Send delivers m unless it was already delivered. It reports whether it
// delivered now.
func (o Once) Send(ctx context.Context, m Message) (bool, error) {
	if sent, err := o.Ledger.Sent(ctx, o.Channel, m.Key); sent || err != nil {
		return false, err
	}
	if err := o.Sender.Send(ctx, m); err != nil {
		// Servers echo the recipient in their errors; errors end up in the
		// workflow history in clear, so the address or number is cut out.
		return false, redacted{msg: strings.ReplaceAll(err.Error(), m.To, "<recipient>")}
	}
	return true, o.Ledger.Mark(ctx, o.Channel, m.Key)
}

// redacted is an error whose text no longer names the recipient.
type redacted struct{ msg string }

func (r redacted) Error() string { return r.msg }

// SMTP sends email through an SMTP server.
type SMTP struct {
	Addr string // host:port
	From string
	Auth smtp.Auth
}

// Send sends m as a UTF-8 plain-text email.
func (s SMTP) Send(_ context.Context, m Message) error {
	var b bytes.Buffer
	host := "motcua.local"
	fmt.Fprintf(&b, "From: %s\r\n", s.From)
	fmt.Fprintf(&b, "To: %s\r\n", m.To)
	fmt.Fprintf(&b, "Subject: %s\r\n", mime.QEncoding.Encode("utf-8", m.Subject))
	fmt.Fprintf(&b, "Message-ID: <%s@%s>\r\n", fileName(m.Key), host)
	fmt.Fprintf(&b, "Date: %s\r\n", time.Now().Format(time.RFC1123Z))
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
	b.WriteString(strings.ReplaceAll(m.Body, "\n", "\r\n"))
	if err := smtp.SendMail(s.Addr, s.Auth, s.From, []string{m.To}, b.Bytes()); err != nil {
		return fmt.Errorf("smtp %s: %w", s.Addr, err)
	}
	return nil
}

// SMSGateway posts SMS to an HTTP gateway as JSON {"id","to","text"}; any
// 2xx answer is delivery.
type SMSGateway struct {
	URL    string
	Client *http.Client
}

// Send posts m to the gateway.
func (g SMSGateway) Send(ctx context.Context, m Message) error {
	body, _ := json.Marshal(map[string]string{"id": m.Key, "to": m.To, "text": m.Body})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", m.Key)
	c := g.Client
	if c == nil {
		c = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("sms gateway: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("sms gateway answered %s", resp.Status)
	}
	return nil
}

// Outbox writes each message to a file in a folder instead of sending it,
// for development and for offices without a mail server.
type Outbox struct {
	Dir       string
	Extension string // "eml" or "sms"
}

// Send writes m to <Dir>/<key>.<ext>.
func (o Outbox) Send(_ context.Context, m Message) error {
	if err := os.MkdirAll(o.Dir, 0o700); err != nil {
		return err
	}
	path := filepath.Join(o.Dir, fileName(m.Key)+"."+o.Extension)
	content := fmt.Sprintf("To: %s\nSubject: %s\n\n%s\n", m.To, m.Subject, m.Body)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if _, err := f.WriteString(content); err != nil {
		f.Close()
		return err
	}
	f.Sync()
	return f.Close()
}

func fileName(key string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == ':' || r == 0 {
			return '_'
		}
		return r
	}, key)
}
