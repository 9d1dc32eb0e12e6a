// Package calendar counts working days in Vietnam: weekends and statutory
// holidays are skipped, and each year's government swaps (compensatory days
// off, make-up Saturdays) are data, not code.
package calendar

import (
	"time"

	"github.com/motcua/motcua"
)

// Calendar knows which days are worked. The zero value is not usable; use
// Vietnam or New.
type Calendar struct {
	off    map[string]bool // weekdays not worked
	worked map[string]bool // weekend days worked (make-up days)
	years  map[int]bool    // years the data covers
}

// Year is one year's deviations from Monday-to-Friday: Off lists the weekdays
// that are holidays or compensatory days off, Worked the weekend days that
// are make-up working days. Dates are YYYY-MM-DD.
type Year struct {
	Off    []string
	Worked []string
}

// New builds a calendar from yearly data.
func New(years ...Year) *Calendar {
	c := &Calendar{off: map[string]bool{}, worked: map[string]bool{}, years: map[int]bool{}}
	for _, y := range years {
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
	return c
}

// Vietnam is the statutory calendar for the years motcua has data for: New
// Year (1/1), Tết (5 days), Hùng Kings' day (10/3 lunar), 30/4, 1/5, 2/9 and a
// day next to it, with the compensatory days the government announced. Years
// past the table fall back to weekends and the fixed solar holidays.
var Vietnam = New(
	Year{Off: []string{ // 2025
		"2025-01-01", "2025-01-27", "2025-01-28", "2025-01-29", "2025-01-30", "2025-01-31",
		"2025-04-07", "2025-04-30", "2025-05-01", "2025-05-02", "2025-09-01", "2025-09-02",
	}, Worked: []string{"2025-04-26"}},
	Year{Off: []string{ // 2026
		"2026-01-01", "2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20",
		"2026-04-27", "2026-04-30", "2026-05-01", "2026-09-01", "2026-09-02",
	}},
	Year{Off: []string{ // 2027 (provisional: Tết and Hùng Kings from the lunar calendar)
		"2027-01-01", "2027-02-04", "2027-02-05", "2027-02-08", "2027-02-09", "2027-02-10",
		"2027-04-16", "2027-04-30", "2027-05-03", "2027-09-02", "2027-09-03",
	}},
)

// fixedHolidays apply to years without a table entry (month, day).
var fixedHolidays = [][2]int{{1, 1}, {4, 30}, {5, 1}, {9, 2}}

// CutOff is the hour after which a dossier counts as received on the next
// working day.
const CutOff = 15

// CloseHour is when the office closes; a due date falls at that hour.
const CloseHour = 17

// IsWorkingDay reports whether the date of t (in Vietnam) is worked.
func (c *Calendar) IsWorkingDay(t time.Time) bool {
	t = t.In(motcua.Vietnam)
	key := t.Format(time.DateOnly)
	if c.worked[key] {
		return true
	}
	if c.off[key] {
		return false
	}
	if wd := t.Weekday(); wd == time.Saturday || wd == time.Sunday {
		return false
	}
	if !c.years[t.Year()] {
		for _, h := range fixedHolidays {
			if int(t.Month()) == h[0] && t.Day() == h[1] {
				return false
			}
		}
	}
	return true
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
