package calendar

import (
	"math"
	"time"
)

// The Vietnamese lunisolar calendar, computed for UTC+7 from the mean
// motions of the Moon and the Sun (Meeus, Astronomical Algorithms, ch. 47
// and 25, to the accuracy of the day): a month starts on the day of a new
// moon; the month holding the winter solstice is the 11th; in a year with
// 13 months, the first month after the 11th without a major solar term is
// the leap month. This is the method the calendar Vietnam publishes
// follows (Hồ Ngọc Đức's formulation of it).

const vietnamOffset = 7.0 // hours east of UTC

// julianDay is the Julian day number of a Gregorian date.
func julianDay(d time.Time) int {
	y, m, day := d.Date()
	a := (14 - int(m)) / 12
	yy := y + 4800 - a
	mm := int(m) + 12*a - 3
	return day + (153*mm+2)/5 + 365*yy + yy/4 - yy/100 + yy/400 - 32045
}

// fromJulianDay is the Gregorian date (midnight in Vietnam) of a Julian day
// number.
func fromJulianDay(jd int) time.Time {
	a := jd + 32044
	b := (4*a + 3) / 146097
	c := a - b*146097/4
	d := (4*c + 3) / 1461
	e := c - 1461*d/4
	m := (5*e + 2) / 153
	day := e - (153*m+2)/5 + 1
	month := m + 3 - 12*(m/10)
	year := b*100 + d - 4800 + m/10
	return time.Date(year, time.Month(month), day, 0, 0, 0, 0, vietnamZone)
}

var vietnamZone = time.FixedZone("ICT", 7*3600)

// newMoonDay is the Julian day number (in Vietnam) of the k-th new moon
// after the one of 1900-01-01.
func newMoonDay(k int) int {
	const dr = math.Pi / 180
	kf := float64(k)
	t := kf / 1236.85
	t2, t3 := t*t, t*t*t
	jd1 := 2415020.75933 + 29.53058868*kf + 0.0001178*t2 - 0.000000155*t3
	jd1 += 0.00033 * math.Sin((166.56+132.87*t-0.009173*t2)*dr)
	m := 359.2242 + 29.10535608*kf - 0.0000333*t2 - 0.00000347*t3    // the Sun's mean anomaly
	mpr := 306.0253 + 385.81691806*kf + 0.0107306*t2 + 0.00001236*t3 // the Moon's mean anomaly
	f := 21.2964 + 390.67050646*kf - 0.0016528*t2 - 0.00000239*t3    // the Moon's argument of latitude
	c1 := (0.1734-0.000393*t)*math.Sin(m*dr) + 0.0021*math.Sin(2*dr*m)
	c1 = c1 - 0.4068*math.Sin(mpr*dr) + 0.0161*math.Sin(dr*2*mpr)
	c1 = c1 - 0.0004*math.Sin(dr*3*mpr)
	c1 = c1 + 0.0104*math.Sin(dr*2*f) - 0.0051*math.Sin(dr*(m+mpr))
	c1 = c1 - 0.0074*math.Sin(dr*(m-mpr)) + 0.0004*math.Sin(dr*(2*f+m))
	c1 = c1 - 0.0004*math.Sin(dr*(2*f-m)) - 0.0006*math.Sin(dr*(2*f+mpr))
	c1 = c1 + 0.0010*math.Sin(dr*(2*f-mpr)) + 0.0005*math.Sin(dr*(2*mpr+m))
	var deltaT float64 // ephemeris time minus universal time, in days
	if t < -11 {
		deltaT = 0.001 + 0.000839*t + 0.0002261*t2 - 0.00000845*t3 - 0.000000081*t*t3
	} else {
		deltaT = -0.000278 + 0.000265*t + 0.000262*t2
	}
	return int(math.Floor(jd1 + c1 - deltaT + 0.5 + vietnamOffset/24))
}

// sunSector is the Sun's longitude at the start of a Julian day in
// Vietnam, as one of 12 sectors of 30 degrees (0 from the vernal equinox).
func sunSector(jd int) int {
	const dr = math.Pi / 180
	t := (float64(jd) - 2451545.5 - vietnamOffset/24) / 36525
	t2 := t * t
	m := 357.52910 + 35999.05030*t - 0.0001559*t2 - 0.00000048*t*t2
	l0 := 280.46645 + 36000.76983*t + 0.0003032*t2
	dl := (1.914600-0.004817*t-0.000014*t2)*math.Sin(dr*m) + (0.019993-0.000101*t)*math.Sin(dr*2*m) + 0.000290*math.Sin(dr*3*m)
	l := (l0 + dl) * dr
	l -= 2 * math.Pi * math.Floor(l/(2*math.Pi))
	return int(l / math.Pi * 6)
}

// month11 is the Julian day the 11th lunar month (the one holding the
// winter solstice) of solar year y starts.
func month11(y int) int {
	off := julianDay(time.Date(y, 12, 31, 0, 0, 0, 0, time.UTC)) - 2415021
	k := int(float64(off) / 29.530588853)
	nm := newMoonDay(k)
	if sunSector(nm) >= 9 { // the solstice is later: the month before
		nm = newMoonDay(k - 1)
	}
	return nm
}

// leapMonthOffset is the position, after month 11 starting at a11, of the
// leap month of a 13-month year: the first month without a major term.
func leapMonthOffset(a11 int) int {
	k := int((float64(a11)-2415021.076998695)/29.530588853 + 0.5)
	i := 1
	arc := sunSector(newMoonDay(k + i))
	for {
		last := arc
		i++
		arc = sunSector(newMoonDay(k + i))
		if arc == last || i >= 14 {
			break
		}
	}
	return i - 1
}

// LunarDate is the solar date of the given day of the given (non-leap)
// month of lunar year y (the lunar year that starts in solar year y).
func LunarDate(y, month, day int) time.Time {
	var a11, b11 int
	if month < 11 {
		a11, b11 = month11(y-1), month11(y)
	} else {
		a11, b11 = month11(y), month11(y+1)
	}
	k := int(0.5 + (float64(a11)-2415021.076998695)/29.530588853)
	off := month - 11
	if off < 0 {
		off += 12
	}
	if b11-a11 > 365 { // a leap year: months from the leap one on shift by one
		if leap := leapMonthOffset(a11); off >= leap {
			off++
		}
	}
	return fromJulianDay(newMoonDay(k+off) + day - 1)
}
