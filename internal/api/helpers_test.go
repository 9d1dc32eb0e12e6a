package api_test

import (
	"strconv"
	"strings"
	"time"

	"github.com/motcua/motcua/internal/archive"
	"github.com/motcua/motcua/internal/calendar"
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

func calendarDueHours(received time.Time, hours int) time.Time {
	return calendar.Vietnam.AddWorkingHours(received, hours)
}

// portalCodes are the status codes the portal simulator holds for a
// dossier, in order.
func portalCodes(dossierID string) []int {
	var out []int
	for _, r := range env.portal.Records(dossierID) {
		n, _ := strconv.Atoi(r.TrangThaiHoSo)
		out = append(out, n)
	}
	return out
}
