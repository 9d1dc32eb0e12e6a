// Package leaks finds personal data where it must not be: the tests scan
// every log line they collect with it.
package leaks

import "regexp"

// idNumber is a citizen ID number (CCCD, 12 digits) standing alone: not
// part of a longer number (a portal date has 14 digits), a word, or a
// UUID's last group (12 hexadecimal digits, all decimal now and then).
var idNumber = regexp.MustCompile(`(?:^|[^0-9A-Za-z_-])([0-9]{12})(?:[^0-9A-Za-z_-]|$)`)

// IDNumbers returns the ID numbers written in text.
func IDNumbers(text string) []string {
	var out []string
	for _, m := range idNumber.FindAllStringSubmatch(text, -1) {
		out = append(out, m[1])
	}
	return out
}
