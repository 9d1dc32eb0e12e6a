// Package calendar counts working days in Vietnam: weekends and statutory
// holidays are skipped, and each year's government swaps (compensatory days
// off, make-up Saturdays) are data, not code.
package calendar

import (
	_ "embed"
	"encoding/json"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/motcua/motcua"
)

// Calendar knows which days are worked. The zero value is not usable; use
// Vietnam or New.
type Calendar struct {
	off    map[string]bool // weekdays not worked
	worked map[string]bool // weekend days worked (make-up days)
	years  map[int]bool    // years the data covers; others follow Statutory
	mu     sync.Mutex      // guards the maps while a year is computed
}

// Year is one year's deviations from Monday-to-Friday: Off lists the weekdays
// that are holidays or compensatory days off, Worked the weekend days that
// are make-up working days. Dates are YYYY-MM-DD.
type Year struct {
	Off    []string `json:"off"`
	Worked []string `json:"worked,omitempty"`
}

// New builds a calendar from yearly data; years without data follow
// Statutory.
func New(years ...Year) *Calendar {
	c := &Calendar{off: map[string]bool{}, worked: map[string]bool{}, years: map[int]bool{}}
	for _, y := range years {
		c.add(y)
	}
	return c
}

func (c *Calendar) add(y Year) {
	for _, d := range y.Off {
		c.off[d] = true
		if t, err := time.Parse(time.DateOnly, d); err == nil {
			c.years[t.Year()] = true
		}
	}
	for _, d := range y.Worked {
		c.worked[d] = true
	}
}

// Vietnam is the calendar of Vietnam's public service: the schedules the
// government announced (announced.json, data a release can update without
// code), and for every other year the statutory holidays, computed.
var Vietnam = New(announced()...)

//go:embed announced.json
var announcedJSON []byte

func announced() []Year {
	var byYear map[string]json.RawMessage
	if err := json.Unmarshal(announcedJSON, &byYear); err != nil {
		panic("calendar: announced.json: " + err.Error())
	}
	var years []Year
	for k, raw := range byYear {
		if strings.HasPrefix(k, "_") {
			continue
		}
		var y Year
		if err := json.Unmarshal(raw, &y); err != nil {
			panic("calendar: announced.json, " + k + ": " + err.Error())
		}
		years = append(years, y)
	}
	return years
}

// Statutory is year y's days off by the Labour Code (2019, art. 112): New
// Year's Day; Tết, the last day of the lunar year and the first four of the
// new one; the Hùng Kings' day (10/3 lunar); 30/4 and 1/5; National Day, 2/9
// and the day before; each one that falls on a weekend gives the next
// working day off instead (art. 111).
func Statutory(y int) Year {
	day := func(m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, vietnamZone) }
	tet := LunarDate(y, 1, 1)
	holidays := []time.Time{day(1, 1), tet.AddDate(0, 0, -1), tet, tet.AddDate(0, 0, 1), tet.AddDate(0, 0, 2), tet.AddDate(0, 0, 3),
		LunarDate(y, 3, 10), day(4, 30), day(5, 1), day(9, 1), day(9, 2)}
	off := map[string]bool{}
	for _, h := range holidays {
		off[h.Format(time.DateOnly)] = true
	}
	weekend := func(t time.Time) bool { return t.Weekday() == time.Saturday || t.Weekday() == time.Sunday }
	var out Year
	for _, h := range holidays {
		if !weekend(h) {
			out.Off = append(out.Off, h.Format(time.DateOnly))
			continue
		}
		d := h
		for weekend(d) || off[d.Format(time.DateOnly)] {
			d = d.AddDate(0, 0, 1)
		}
		off[d.Format(time.DateOnly)] = true
		out.Off = append(out.Off, d.Format(time.DateOnly))
	}
	sort.Strings(out.Off)
	return out
}

// covers makes sure the calendar knows year y, computing its statutory
// holidays when no data was given for it.
func (c *Calendar) covers(y int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.years[y] {
		c.add(Statutory(y))
		c.years[y] = true
	}
}

// CutOff is the hour after which a dossier counts as received on the next
// working day.
const CutOff = 15

// CloseHour is when the office closes; a due date falls at that hour.
const CloseHour = 17

// IsWorkingDay reports whether the date of t (in Vietnam) is worked.
func (c *Calendar) IsWorkingDay(t time.Time) bool {
	t = t.In(motcua.Vietnam)
	c.covers(t.Year())
	key := t.Format(time.DateOnly)
	c.mu.Lock()
	worked, off := c.worked[key], c.off[key]
	c.mu.Unlock()
	if worked {
		return true
	}
	if off {
		return false
	}
	wd := t.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// ReceiptDay is the working day a dossier received at t counts as received:
// the same day when t is a working day before the cut-off, else the next
// working day. It returns midnight of that day in Vietnam.
func (c *Calendar) ReceiptDay(t time.Time) time.Time {
	t = t.In(motcua.Vietnam)
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, motcua.Vietnam)
	if c.IsWorkingDay(day) && t.Hour() < CutOff {
		return day
	}
	return c.nextWorkingDay(day)
}

// DueDate is when a dossier received at t with an SLA of n working days is
// due: counting starts the working day after the receipt day; the result is
// due by closing time of the n-th working day.
func (c *Calendar) DueDate(t time.Time, n int) time.Time {
	return c.closing(c.AddWorkingDays(c.ReceiptDay(t), n))
}

// AddWorkingDays returns the n-th working day after day (midnight of it).
func (c *Calendar) AddWorkingDays(day time.Time, n int) time.Time {
	day = day.In(motcua.Vietnam)
	day = time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, motcua.Vietnam)
	for ; n > 0; n-- {
		day = c.nextWorkingDay(day)
	}
	return day
}

// WorkingDayBefore is the start of the working day before the day of t
// (08:00 in Vietnam): when a reminder is due.
func (c *Calendar) WorkingDayBefore(t time.Time) time.Time {
	t = t.In(motcua.Vietnam)
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, motcua.Vietnam)
	for {
		day = day.AddDate(0, 0, -1)
		if c.IsWorkingDay(day) {
			return day.Add(8 * time.Hour)
		}
	}
}

// Extend moves a due date by the working days in [from, to): the days the
// SLA clock was paused waiting for a supplement.
func (c *Calendar) Extend(due, from, to time.Time) time.Time {
	n := c.WorkingDaysBetween(from, to)
	if n == 0 {
		return due
	}
	return c.closing(c.AddWorkingDays(due, n))
}

// WorkingDaysBetween counts the working days from the day of from up to, not
// including, the day of to.
func (c *Calendar) WorkingDaysBetween(from, to time.Time) int {
	from, to = from.In(motcua.Vietnam), to.In(motcua.Vietnam)
	d := time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, motcua.Vietnam)
	end := time.Date(to.Year(), to.Month(), to.Day(), 0, 0, 0, 0, motcua.Vietnam)
	n := 0
	for d.Before(end) {
		if c.IsWorkingDay(d) {
			n++
		}
		d = d.AddDate(0, 0, 1)
	}
	return n
}

func (c *Calendar) nextWorkingDay(day time.Time) time.Time {
	for {
		day = day.AddDate(0, 0, 1)
		if c.IsWorkingDay(day) {
			return day
		}
	}
}

func (c *Calendar) closing(day time.Time) time.Time {
	return time.Date(day.Year(), day.Month(), day.Day(), CloseHour, 0, 0, 0, motcua.Vietnam)
}

// OpenHour is when the office opens; same-day procedures count working
// hours from OpenHour to CloseHour.
const OpenHour = 8

// DueFor is when a dossier of procedure p received at t is due: after its
// working days (DueDate), or for same-day procedures after its working
// hours, counted from the receipt (from the next working day's opening
// when received after the 15:00 cut-off or outside working hours).
func (c *Calendar) DueFor(p motcua.Procedure, t time.Time) time.Time {
	if !p.SameDay() {
		return c.DueDate(t, p.SLAWorkingDays)
	}
	return c.AddWorkingHours(t, p.SLAWorkingHours)
}

// AddWorkingHours is the moment h working hours after t, under the 15:00
// rule: the count starts at t on a working day between opening and the
// cut-off, else at the next working day's opening; hours run from
// OpenHour to CloseHour.
func (c *Calendar) AddWorkingHours(t time.Time, h int) time.Time {
	t = t.In(motcua.Vietnam)
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, motcua.Vietnam)
	start := t
	switch {
	case !c.IsWorkingDay(day) || t.Hour() >= CutOff:
		start = c.nextWorkingDay(day).Add(OpenHour * time.Hour)
	case t.Hour() < OpenHour:
		start = day.Add(OpenHour * time.Hour)
	}
	left := time.Duration(h) * time.Hour
	for {
		day := time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, motcua.Vietnam)
		closing := day.Add(CloseHour * time.Hour)
		if start.Add(left).Compare(closing) <= 0 {
			return start.Add(left)
		}
		left -= closing.Sub(start)
		start = c.nextWorkingDay(day).Add(OpenHour * time.Hour)
	}
}
