package calendar

import (
	"testing"
	"time"
)

// Tết (1/1 lunar) and the Hùng Kings' day (10/3 lunar) as Vietnam's
// published calendars give them.
func TestLunarDates(t *testing.T) {
	for _, c := range []struct {
		year      int
		tet, hung string
	}{
		{2024, "2024-02-10", "2024-04-18"},
		{2025, "2025-01-29", "2025-04-07"},
		{2026, "2026-02-17", "2026-04-26"},
		{2027, "2027-02-06", "2027-04-16"},
		{2028, "2028-01-26", "2028-04-04"},
		{2029, "2029-02-13", "2029-04-23"},
		{2030, "2030-02-02", "2030-04-12"}, // the new moon is at 23:07 in Hanoi, 00:07 next day in Beijing: Vietnam's Tết is a day before China's
	} {
		if got := LunarDate(c.year, 1, 1).Format(time.DateOnly); got != c.tet {
			t.Errorf("Tết %d: %s, want %s", c.year, got, c.tet)
		}
		if got := LunarDate(c.year, 3, 10).Format(time.DateOnly); got != c.hung {
			t.Errorf("Hùng Kings %d: %s, want %s", c.year, got, c.hung)
		}
	}
}

// A year no one announced yet follows the Labour Code: 2028's Tết is
// Wednesday 26/1, so 25/1 to 29/1 are off and Saturday 29/1 gives Monday
// 31/1; New Year's Day and 30/4 fall on weekends and give the next free
// working days; 2/9 is a Saturday.
func TestStatutoryHolidaysOfAnUnannouncedYear(t *testing.T) {
	got := map[string]bool{}
	for _, d := range Statutory(2028).Off {
		got[d] = true
	}
	for _, d := range []string{"2028-01-03", "2028-01-25", "2028-01-26", "2028-01-27", "2028-01-28", "2028-01-31",
		"2028-04-04", "2028-05-01", "2028-05-02", "2028-09-01", "2028-09-04"} {
		if !got[d] {
			t.Errorf("%s is not off in 2028: %v", d, Statutory(2028).Off)
		}
	}
	if len(got) != 11 {
		t.Errorf("2028 has %d days off, want 11: %v", len(got), Statutory(2028).Off)
	}
	c := New()
	for d, worked := range map[string]bool{"2028-01-24": true, "2028-01-31": false, "2028-02-01": true, "2028-04-04": false, "2028-04-29": false} {
		day, _ := time.ParseInLocation(time.DateOnly, d, vietnamZone)
		if c.IsWorkingDay(day) != worked {
			t.Errorf("%s worked: %v, want %v", d, !worked, worked)
		}
	}
	// Announced years are taken as announced: 3/2/2025 was worked though
	// the statutory rule would have given it off.
	if day := time.Date(2025, 2, 3, 10, 0, 0, 0, vietnamZone); !Vietnam.IsWorkingDay(day) {
		t.Error("2025-02-03 is off in the announced 2025 calendar")
	}
}
