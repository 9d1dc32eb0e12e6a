package api_test

import (
	"strings"
	"time"

	"github.com/motcua/motcua/archive"
	"github.com/motcua/motcua/calendar"
)

type archiveRecord = archive.Record

func calendarDue(received time.Time, days int) time.Time {
	return calendar.Vietnam.DueDate(received, days)
}

// mailsTo returns the emails to addr about a dossier.
func mailsTo(addr, dossierID string) []string {
	var out []string
	for _, m := range env.smtp.Mail() {
		if len(m.To) == 1 && m.To[0] == addr && strings.Contains(m.Data, dossierID) {
			out = append(out, m.Data)
		}
	}
	return out
}

func smsTo(phone, dossierID string) int {
	n := 0
	for _, m := range env.sms.Messages() {
		if m.To == phone && strings.Contains(m.Text, dossierID) {
			n++
		}
	}
	return n
}
