package stats

import "time"

// dayCache remembers the last date parsed and its day number.
type dayCache struct {
	date0 uint64 // the first 8 bytes of the date, as le64 reads them
	date1 uint16 // the last two
	days  int64
	ok    bool
}

// parse is ParseTimestamp that skips the date arithmetic when the date is
// the one seen last.
func (c *dayCache) parse(s []byte) (int64, bool) {
	if c.ok && len(s) == 24 && le64(s) == c.date0 && uint16(s[8])|uint16(s[9])<<8 == c.date1 && s[10] == 'T' && s[13] == ':' && s[16] == ':' && s[19] == '.' && s[23] == 'Z' {
		h0, h1, m0, m1, s0, s1 := s[11]-'0', s[12]-'0', s[14]-'0', s[15]-'0', s[17]-'0', s[18]-'0'
		f0, f1, f2 := s[20]-'0', s[21]-'0', s[22]-'0'
		if h0|h1|m0|m1|s0|s1|f0|f1|f2 < 10 {
			h := int64(h0)*10 + int64(h1)
			m := int64(m0)*10 + int64(m1)
			se := int64(s0)*10 + int64(s1)
			if h < 24 && m < 60 && se < 60 {
				return ((c.days*24+h)*60+m)*60000 + se*1000 + int64(f0)*100 + int64(f1)*10 + int64(f2), true
			}
		}
	}
	ms, ok := ParseTimestamp(s)
	if ok && len(s) == 24 && s[23] == 'Z' && s[10] == 'T' {
		c.date0, c.date1 = le64(s), uint16(s[8])|uint16(s[9])<<8
		c.days = floorDiv(ms, dayMs)
		c.ok = true
	}
	return ms, ok
}

// ParseTimestamp reads an RFC 3339 time as unix milliseconds. ccq's own
// layout (2006-01-02T15:04:05.000Z) is read by hand; any other RFC 3339
// form goes through time.Parse.
func ParseTimestamp(s []byte) (int64, bool) {
	if len(s) == 24 && s[4] == '-' && s[7] == '-' && s[10] == 'T' && s[13] == ':' && s[16] == ':' && s[19] == '.' && s[23] == 'Z' {
		y, ok1 := digits(s[0:4])
		mo, ok2 := digits(s[5:7])
		d, ok3 := digits(s[8:10])
		h, ok4 := digits(s[11:13])
		mi, ok5 := digits(s[14:16])
		se, ok6 := digits(s[17:19])
		ms, ok7 := digits(s[20:23])
		if ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7 && mo >= 1 && mo <= 12 && d >= 1 && d <= daysIn(y, mo) && h < 24 && mi < 60 && se < 60 {
			days := daysFromCivil(y, mo, d)
			return ((days*24+h)*60+mi)*60000 + se*1000 + ms, true
		}
	}
	t, err := time.Parse(time.RFC3339Nano, string(s))
	if err != nil {
		return 0, false
	}
	return t.UnixMilli(), true
}

func digits(b []byte) (int64, bool) {
	var v int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	return v, true
}

func daysIn(y, m int64) int64 {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil is Howard Hinnant's algorithm: days since 1970-01-01.
func daysFromCivil(y, m, d int64) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}
