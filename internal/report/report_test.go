package report_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/internal/calendar"
	"github.com/motcua/motcua/internal/report"
)

func at(d, h int) time.Time      { return time.Date(2026, 11, d, h, 0, 0, 0, motcua.Vietnam) }
func ptr(t time.Time) *time.Time { return &t }

// A hand-counted set: each line of the expected figures is counted from
// the dossiers below, not from the code.
func TestFiguresOfAHandCountedSet(t *testing.T) {
	due := at(30, 17) // received Wednesday 25/11, 3 working days
	facts := []motcua.Facts{
		// 1. on time, returned, paid online, one reused paper
		{DossierID: "A1", ProcedureCode: "2.000815", Channel: motcua.ChannelOnline, Status: motcua.StatusReturned, ReceivedAt: at(25, 9), DueAt: due,
			FinishedAt: ptr(at(26, 10)), ReturnedAt: ptr(at(27, 9)), FeeVND: 4000, Paid: true, PaidOnline: true, Digitized: 1, Reused: 1, SignedDigitally: true, Register: "Số: 1/2026/BS", PortalInSync: true},
		// 2. late: finished after the due date
		{DossierID: "A2", ProcedureCode: "1.004227", Channel: motcua.ChannelCounter, Status: motcua.StatusCompleted, ReceivedAt: at(25, 9), DueAt: due,
			FinishedAt: ptr(at(Dec2, 10)), Digitized: 1, SignedDigitally: true, PortalInSync: true},
		// 3. supplement twice: late though before its (moved) due date
		{DossierID: "A3", ProcedureCode: "1.004227", Channel: motcua.ChannelOnline, Status: motcua.StatusReturned, ReceivedAt: at(25, 9), DueAt: at(30, 17),
			FinishedAt: ptr(at(27, 10)), SupplementRounds: 2, Digitized: 3, SignedDigitally: true, PortalInSync: false},
		// 4. rejected on time (one supplement is fine)
		{DossierID: "A4", ProcedureCode: "1.004227", Channel: motcua.ChannelPostal, Status: motcua.StatusRejected, ReceivedAt: at(25, 9), DueAt: due,
			FinishedAt: ptr(at(26, 9)), SupplementRounds: 1, Digitized: 1, PortalInSync: true},
		// 5. withdrawn, 6. stopped
		{DossierID: "A5", ProcedureCode: "1.004227", Channel: motcua.ChannelCounter, Status: motcua.StatusWithdrawn, ReceivedAt: at(25, 9), DueAt: due, FinishedAt: ptr(at(26, 9)), Digitized: 1, PortalInSync: true},
		{DossierID: "A6", ProcedureCode: "2.000815", Channel: motcua.ChannelCounter, Status: motcua.StatusStopped, ReceivedAt: at(25, 9), DueAt: due, FinishedAt: ptr(at(28, 9)), FeeVND: 2000, Digitized: 1, PortalInSync: true},
		// 7. in review past its due date: overdue
		{DossierID: "A7", ProcedureCode: "1.004227", Channel: motcua.ChannelOnline, Status: motcua.StatusInReview, ReceivedAt: at(25, 9), DueAt: due, Digitized: 1, PortalInSync: true},
		// 8. waiting for a supplement past the date: in progress, not overdue
		{DossierID: "A8", ProcedureCode: "1.004227", Channel: motcua.ChannelOnline, Status: motcua.StatusSupplementRequested, ReceivedAt: at(25, 9), DueAt: due, Digitized: 1, PortalInSync: true},
		// 9. paid at the counter, awaiting signature, not yet due
		{DossierID: "A9", ProcedureCode: "2.000815", Channel: motcua.ChannelCounter, Status: motcua.StatusAwaitingSignature, ReceivedAt: at(25, 9), DueAt: at(Dec2+5, 17),
			FeeVND: 2000, Paid: true, Digitized: 1, PortalInSync: true},
	}
	now := at(Dec2+1, 12) // Thursday 3/12
	r := report.Compute(facts, "2026-11-25", "2026-11-25", "", now, calendar.Vietnam)
	g := r.Total
	want := report.Figures{Procedure: "total", Received: 9, ReceivedOnline: 4, ReceivedCounter: 4, ReceivedPostal: 1,
		FinishedOnTime: 2, FinishedLate: 2, InProgress: 3, Overdue: 1, Withdrawn: 1, Stopped: 1, Paid: 2,
		DocumentsDigitized: 11, DocumentsReused: 1, SignedDigitally: 3, Issued: 1, PortalInSync: 8}
	got := g
	got.OnTimeRate, got.AvgWorkingDays, got.OnlinePaymentShare = nil, nil, nil
	if !equalCounts(got, want) {
		t.Errorf("total\n got %+v\nwant %+v", got, want)
	}
	if g.OnTimeRate == nil || *g.OnTimeRate != 0.5 {
		t.Errorf("on-time rate %v, want 0.5", g.OnTimeRate)
	}
	if g.OnlinePaymentShare == nil || *g.OnlinePaymentShare != 0.5 {
		t.Errorf("online payment share %v, want 0.5", g.OnlinePaymentShare)
	}
	// Working days from 25/11: A1 1 (26/11), A2 5 (2/12), A3 2 (27/11), A4 1 (26/11): 9/4.
	if g.AvgWorkingDays == nil || *g.AvgWorkingDays != 2.25 {
		t.Errorf("average working days %v, want 2.25", g.AvgWorkingDays)
	}
	if len(r.Procedures) != 2 || r.Procedures[0].Procedure != "1.004227" || r.Procedures[0].Received != 6 || r.Procedures[1].Received != 3 {
		t.Errorf("per procedure %+v", r.Procedures)
	}
	var buf bytes.Buffer
	if err := r.WriteCSV(&buf); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "procedure,received,") || !strings.HasPrefix(lines[3], "total,9,4,4,1,2,2,3,1,1,1,0.5000,2.2500,2,0.5000,11,1,3,1,8") {
		t.Errorf("csv:\n%s", buf.String())
	}
}

// Dec2 is 2 December as a day of November (the helper's month).
const Dec2 = 32

func equalCounts(a, b report.Figures) bool {
	return a.Procedure == b.Procedure && a.Received == b.Received && a.ReceivedOnline == b.ReceivedOnline &&
		a.ReceivedCounter == b.ReceivedCounter && a.ReceivedPostal == b.ReceivedPostal && a.FinishedOnTime == b.FinishedOnTime &&
		a.FinishedLate == b.FinishedLate && a.InProgress == b.InProgress && a.Overdue == b.Overdue && a.Withdrawn == b.Withdrawn &&
		a.Stopped == b.Stopped && a.Paid == b.Paid && a.DocumentsDigitized == b.DocumentsDigitized &&
		a.DocumentsReused == b.DocumentsReused && a.SignedDigitally == b.SignedDigitally && a.Issued == b.Issued && a.PortalInSync == b.PortalInSync
}

func TestNoDossiers(t *testing.T) {
	r := report.Compute(nil, "2026-01-01", "2026-01-31", "", at(25, 9), calendar.Vietnam)
	if r.Total.Received != 0 || r.Total.OnTimeRate != nil || r.Procedures == nil {
		t.Errorf("%+v", r)
	}
}
