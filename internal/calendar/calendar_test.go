package calendar_test

import (
	"testing"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/internal/calendar"
)

func at(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, motcua.Vietnam)
}

func TestDueDate(t *testing.T) {
	cases := []struct {
		name     string
		received time.Time
		days     int
		due      time.Time
	}{
		{"weekday morning", at(2026, 11, 25, 9, 30), 3, at(2026, 11, 30, 17, 0)},
		{"after the 15:00 cut-off", at(2026, 11, 25, 15, 1), 3, at(2026, 12, 1, 17, 0)},
		{"just before the cut-off", at(2026, 11, 25, 14, 59), 1, at(2026, 11, 26, 17, 0)},
		{"Friday afternoon counts from Monday", at(2026, 11, 27, 16, 0), 1, at(2026, 12, 1, 17, 0)},
		{"received on Saturday", at(2026, 11, 28, 10, 0), 1, at(2026, 12, 1, 17, 0)},
		{"across Tết 2026", at(2026, 2, 13, 10, 0), 3, at(2026, 2, 25, 17, 0)},
		{"across 30/4 and 1/5", at(2026, 4, 29, 9, 0), 2, at(2026, 5, 5, 17, 0)},
		{"across Hùng Kings' day (compensated Monday)", at(2026, 4, 24, 9, 0), 1, at(2026, 4, 28, 17, 0)},
		{"across National Day", at(2026, 8, 31, 9, 0), 1, at(2026, 9, 3, 17, 0)},
		{"New Year in a year without table", at(2031, 12, 31, 9, 0), 1, at(2032, 1, 2, 17, 0)},
		{"UTC input is read in Vietnam", time.Date(2026, 11, 25, 8, 30, 0, 0, time.UTC), 1, at(2026, 11, 27, 17, 0)},
	}
	for _, c := range cases {
		if got := calendar.Vietnam.DueDate(c.received, c.days); !got.Equal(c.due) {
			t.Errorf("%s: due %s, want %s", c.name, got.Format(time.RFC3339), c.due.Format(time.RFC3339))
		}
	}
}

func TestMakeUpSaturdayIsWorked(t *testing.T) {
	if !calendar.Vietnam.IsWorkingDay(at(2025, 4, 26, 9, 0)) {
		t.Error("Saturday 26/4/2025 was a make-up working day")
	}
	if calendar.Vietnam.IsWorkingDay(at(2025, 5, 2, 9, 0)) {
		t.Error("Friday 2/5/2025 was a compensatory day off")
	}
}

func TestExtendByPausedWorkingDays(t *testing.T) {
	due := at(2026, 11, 30, 17, 0)
	// Paused from Wednesday 25/11 to Wednesday 2/12: five working days.
	got := calendar.Vietnam.Extend(due, at(2026, 11, 25, 10, 0), at(2026, 12, 2, 10, 0))
	if want := at(2026, 12, 7, 17, 0); !got.Equal(want) {
		t.Errorf("extended to %s, want %s", got, want)
	}
	if got := calendar.Vietnam.Extend(due, at(2026, 11, 25, 10, 0), at(2026, 11, 25, 16, 0)); !got.Equal(due) {
		t.Errorf("a same-day pause moved the due date to %s", got)
	}
}

// Same-day procedures: working hours from the receipt, the 15:00 rule.
func TestAddWorkingHours(t *testing.T) {
	at := func(d, h, m int) time.Time { return time.Date(2026, 11, d, h, m, 0, 0, motcua.Vietnam) }
	cases := []struct{ in, want time.Time }{
		{at(25, 9, 0), at(25, 11, 0)},    // Wednesday morning: the same morning
		{at(25, 14, 59), at(25, 16, 59)}, // before the cut-off: the same day
		{at(25, 15, 0), at(26, 10, 0)},   // at the cut-off: the next working day
		{at(25, 6, 30), at(25, 10, 0)},   // before opening: from 08:00
		{at(27, 16, 0), at(30, 10, 0)},   // Friday after 15:00: Monday
		{at(28, 10, 0), at(30, 10, 0)},   // Saturday: Monday
	}
	for _, c := range cases {
		if got := calendar.Vietnam.AddWorkingHours(c.in, 2); !got.Equal(c.want) {
			t.Errorf("%s + 2 working hours = %s, want %s", c.in, got, c.want)
		}
	}
	// Hours that do not fit the day run into the next working day.
	if got := calendar.Vietnam.AddWorkingHours(at(25, 14, 0), 5); !got.Equal(at(26, 10, 0)) {
		t.Errorf("14:00 + 5 h = %s", got)
	}
}
