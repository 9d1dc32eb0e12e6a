// Package report computes the commune's figures (the indicators of
// Decision 766/QĐ-TTg on serving citizens in administrative procedures)
// from the dossiers' facts: per procedure and in total, over the dossiers
// received in a period.
package report

import (
	"encoding/csv"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/internal/calendar"
)

// Figures are one procedure's figures (or the total's, Procedure "total").
type Figures struct {
	Procedure       string `json:"procedure"`
	Received        int    `json:"received"`
	ReceivedOnline  int    `json:"received_online"`
	ReceivedCounter int    `json:"received_counter"`
	ReceivedPostal  int    `json:"received_postal"`
	// Finished dossiers are those the office decided: the result ready
	// (completed or returned) or rejected. On time: by the due date (moved
	// by the days the clock was paused) with at most one supplement
	// request; a second request counts the dossier late (Decision 766).
	FinishedOnTime int `json:"finished_on_time"`
	FinishedLate   int `json:"finished_late"`
	// InProgress are still with the office; Overdue those of them past
	// their due date (not counting those waiting for the citizen: a
	// supplement or the fee).
	InProgress int `json:"in_progress"`
	Overdue    int `json:"overdue"`
	Withdrawn  int `json:"withdrawn"`
	Stopped    int `json:"stopped"`
	// OnTimeRate is FinishedOnTime over the finished, nil with none.
	OnTimeRate *float64 `json:"on_time_rate"`
	// AvgWorkingDays is the finished dossiers' mean processing time, in
	// working days from receipt to the end of the office's work.
	AvgWorkingDays *float64 `json:"avg_working_days"`
	// Paid counts the paid dossiers; OnlinePaymentShare is the share of
	// them paid online, nil with none.
	Paid               int      `json:"paid"`
	OnlinePaymentShare *float64 `json:"online_payment_share"`
	DocumentsDigitized int      `json:"documents_digitized"`
	DocumentsReused    int      `json:"documents_reused"`
	SignedDigitally    int      `json:"signed_digitally"`
	// Issued counts the results issued by the office: its signature and a
	// register number after the leader's (Nghị định 30/2020/NĐ-CP).
	Issued int `json:"issued"`
	// PortalInSync counts the dossiers the national portal has every
	// status of.
	PortalInSync int `json:"portal_in_sync"`

	workingDays float64 // sum over the finished
	paidOnline  int
}

// Report is the figures of the dossiers received from From to To
// (inclusive days in Vietnam), per procedure in code order, and in total.
type Report struct {
	From        string    `json:"from"`
	To          string    `json:"to"`
	Procedure   string    `json:"procedure,omitempty"`
	At          time.Time `json:"at"`
	Procedures  []Figures `json:"procedures"`
	Total       Figures   `json:"total"`
	DossierRows int       `json:"dossiers"`
}

// Compute is the report over facts as of now.
func Compute(facts []motcua.Facts, from, to, procedure string, now time.Time, cal *calendar.Calendar) Report {
	rep := Report{From: from, To: to, Procedure: procedure, At: now.In(motcua.Vietnam), DossierRows: len(facts),
		Total: Figures{Procedure: "total"}}
	byCode := map[string]*Figures{}
	for _, f := range facts {
		p := byCode[f.ProcedureCode]
		if p == nil {
			p = &Figures{Procedure: f.ProcedureCode}
			byCode[f.ProcedureCode] = p
		}
		add(p, f, now, cal)
		add(&rep.Total, f, now, cal)
	}
	for _, p := range byCode {
		p.rates()
		rep.Procedures = append(rep.Procedures, *p)
	}
	slices.SortFunc(rep.Procedures, func(a, b Figures) int {
		if a.Procedure < b.Procedure {
			return -1
		}
		return 1
	})
	rep.Total.rates()
	if rep.Procedures == nil {
		rep.Procedures = []Figures{}
	}
	return rep
}

// add counts one dossier.
func add(g *Figures, f motcua.Facts, now time.Time, cal *calendar.Calendar) {
	g.Received++
	switch f.Channel {
	case motcua.ChannelOnline:
		g.ReceivedOnline++
	case motcua.ChannelPostal:
		g.ReceivedPostal++
	default:
		g.ReceivedCounter++
	}
	switch f.Status {
	case motcua.StatusCompleted, motcua.StatusReturned, motcua.StatusRejected:
		end := now
		if f.FinishedAt != nil {
			end = *f.FinishedAt
		}
		if !end.After(f.DueAt) && f.SupplementRounds <= 1 {
			g.FinishedOnTime++
		} else {
			g.FinishedLate++
		}
		g.workingDays += float64(cal.WorkingDaysBetween(f.ReceivedAt, end))
	case motcua.StatusWithdrawn:
		g.Withdrawn++
	case motcua.StatusStopped:
		g.Stopped++
	default:
		g.InProgress++
		waiting := f.Status == motcua.StatusSupplementRequested || f.Status == motcua.StatusAwaitingPayment
		if !waiting && now.After(f.DueAt) {
			g.Overdue++
		}
	}
	if f.Paid {
		g.Paid++
		if f.PaidOnline {
			g.paidOnline++
		}
	}
	g.DocumentsDigitized += f.Digitized
	g.DocumentsReused += f.Reused
	if f.SignedDigitally {
		g.SignedDigitally++
	}
	if f.Register != "" {
		g.Issued++
	}
	if f.PortalInSync {
		g.PortalInSync++
	}
}

func (g *Figures) rates() {
	ratio := func(a, b int) *float64 {
		if b == 0 {
			return nil
		}
		r := float64(a) / float64(b)
		return &r
	}
	finished := g.FinishedOnTime + g.FinishedLate
	g.OnTimeRate = ratio(g.FinishedOnTime, finished)
	if finished > 0 {
		avg := g.workingDays / float64(finished)
		g.AvgWorkingDays = &avg
	}
	g.OnlinePaymentShare = ratio(g.paidOnline, g.Paid)
}

// Columns are the CSV's header, in the order of each row.
var Columns = []string{"procedure", "received", "received_online", "received_counter", "received_postal",
	"finished_on_time", "finished_late", "in_progress", "overdue", "withdrawn", "stopped", "on_time_rate",
	"avg_working_days", "paid", "online_payment_share", "documents_digitized", "documents_reused",
	"signed_digitally", "issued", "portal_in_sync"}

// WriteCSV writes the report as CSV: a header, one row per procedure, and
// the total last. Rates are decimals (0.75); an empty cell has no value.
func (r Report) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(Columns); err != nil {
		return err
	}
	for _, g := range append(slices.Clone(r.Procedures), r.Total) {
		n := strconv.Itoa
		f := func(v *float64) string {
			if v == nil {
				return ""
			}
			return strconv.FormatFloat(*v, 'f', 4, 64)
		}
		row := []string{g.Procedure, n(g.Received), n(g.ReceivedOnline), n(g.ReceivedCounter), n(g.ReceivedPostal),
			n(g.FinishedOnTime), n(g.FinishedLate), n(g.InProgress), n(g.Overdue), n(g.Withdrawn), n(g.Stopped),
			f(g.OnTimeRate), f(g.AvgWorkingDays), n(g.Paid), f(g.OnlinePaymentShare), n(g.DocumentsDigitized),
			n(g.DocumentsReused), n(g.SignedDigitally), n(g.Issued), n(g.PortalInSync)}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
