package signer

import "bytes"

// unclosedArray reports whether an indirect object of the file ends
// ("endobj") inside an array it opened: the pinned PDF parser
// (digitorus/pdf v0.1.2) reads such an array forever, growing it until the
// process runs out of memory, so such a file is refused before it is
// parsed. Strings, comments and stream data are skipped.
func unclosedArray(b []byte) bool {
	depth := 0
	for i := 0; i < len(b); i++ {
		switch c := b[i]; c {
		case '%': // a comment, to the end of the line
			for i < len(b) && b[i] != '\n' && b[i] != '\r' {
				i++
			}
		case '(': // a literal string: balanced parentheses, backslash escapes
			for n := 0; i < len(b); i++ {
				switch b[i] {
				case '\\':
					i++
				case '(':
					n++
				case ')':
					n--
				}
				if n == 0 {
					break
				}
			}
		case '<':
			if i+1 < len(b) && b[i+1] == '<' {
				i++
				continue
			}
			if j := bytes.IndexByte(b[i:], '>'); j >= 0 { // a hex string
				i += j
			}
		case '[':
			depth++
		case ']':
			if depth > 0 {
				depth--
			}
		case 's':
			if bytes.HasPrefix(b[i:], []byte("stream")) && (i == 0 || !isRegular(b[i-1])) && (i+6 == len(b) || !isRegular(b[i+6])) {
				j := bytes.Index(b[i:], []byte("endstream"))
				if j < 0 {
					return false // the parser reports it
				}
				i += j + len("endstream") - 1
			}
		case 'e':
			if bytes.HasPrefix(b[i:], []byte("endobj")) && (i == 0 || !isRegular(b[i-1])) {
				if depth > 0 {
					return true
				}
				i += len("endobj") - 1
			}
		}
	}
	return false
}

// isRegular reports whether c is a regular character of PDF syntax: not
// white space nor a delimiter.
func isRegular(c byte) bool {
	return !bytes.ContainsRune([]byte(" \t\r\n\f\x00()<>[]{}/%"), rune(c))
}
