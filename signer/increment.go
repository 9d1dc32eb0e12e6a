package signer

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strconv"

	"github.com/digitorus/pdf"
)

// increment is an incremental update (ISO 32000-1, 7.5.6) appended to a
// file: new objects, then a cross-reference section of the same kind as
// the file's last one (table or stream) and a trailer pointing back to it.
// Earlier bytes are never touched, so every earlier signature stays valid.
// pdfsign writes such updates only around a signature field; motcua needs
// them for the Document Security Store.
type increment struct {
	file    []byte
	r       *pdf.Reader
	next    uint32 // the next free object number
	body    bytes.Buffer
	entries []xrefEntry
}

type xrefEntry struct {
	num    uint32
	offset int
}

func newIncrement(file []byte) (*increment, error) {
	r, err := checkedReader(file)
	if err != nil {
		return nil, err
	}
	if r.Trailer().Key("Encrypt").Kind() != pdf.Null {
		return nil, fmt.Errorf("%w: the file is encrypted", ErrInvalidInput)
	}
	next := uint32(r.Trailer().Key("Size").Int64())
	for _, x := range r.Xref() {
		p := x.Ptr()
		if id := p.GetID(); id >= next {
			next = id + 1
		}
	}
	u := &increment{file: file, r: r, next: next}
	u.body.WriteByte('\n')
	return u, nil
}

// offset is where the next byte of the body lands in the file.
func (u *increment) offset() int { return len(u.file) + u.body.Len() }

// add writes an object and returns its number.
func (u *increment) add(object []byte) uint32 {
	num := u.next
	u.next++
	u.entries = append(u.entries, xrefEntry{num: num, offset: u.offset()})
	fmt.Fprintf(&u.body, "%d 0 obj\n", num)
	u.body.Write(object)
	u.body.WriteString("\nendobj\n")
	return num
}

// addStream writes a stream object holding data as is.
func (u *increment) addStream(data []byte) uint32 {
	var b bytes.Buffer
	fmt.Fprintf(&b, "<< /Length %d >>\nstream\n", len(data))
	b.Write(data)
	b.WriteString("\nendstream")
	return u.add(b.Bytes())
}

// bytes ends the update with root as the document catalog and returns the
// whole file.
func (u *increment) bytes(root uint32) []byte {
	tr := u.r.Trailer()
	var extra bytes.Buffer // the trailer entries the update carries over
	fmt.Fprintf(&extra, " /Root %d 0 R /Prev %d", root, u.r.XrefInformation.StartPos)
	if info := tr.Key("Info"); info.Kind() == pdf.Dict {
		p := info.GetPtr()
		fmt.Fprintf(&extra, " /Info %d %d R", p.GetID(), p.GetGen())
	}
	if id := tr.Key("ID"); id.Len() == 2 {
		fmt.Fprintf(&extra, " /ID [<%s> <%s>]", hex.EncodeToString([]byte(id.Index(0).RawString())), hex.EncodeToString([]byte(id.Index(1).RawString())))
	}
	start := u.offset()
	if u.r.XrefInformation.Type == "stream" {
		num := u.next
		u.next++
		u.entries = append(u.entries, xrefEntry{num: num, offset: start})
		var data []byte
		index := ""
		for _, e := range u.entries {
			data = append(data, 1)
			data = binary.BigEndian.AppendUint32(data, uint32(e.offset))
			data = append(data, 0, 0)
			index += fmt.Sprintf(" %d 1", e.num)
		}
		fmt.Fprintf(&u.body, "%d 0 obj\n<< /Type /XRef /Size %d /Index [%s] /W [1 4 2]%s /Length %d >>\nstream\n",
			num, u.next, index[1:], extra.String(), len(data))
		u.body.Write(data)
		u.body.WriteString("\nendstream\nendobj\n")
	} else {
		u.body.WriteString("xref\n")
		for _, e := range u.entries {
			fmt.Fprintf(&u.body, "%d 1\n%010d 00000 n\r\n", e.num, e.offset)
		}
		fmt.Fprintf(&u.body, "trailer\n<< /Size %d%s >>\n", u.next, extra.String())
	}
	fmt.Fprintf(&u.body, "startxref\n%d\n%%%%EOF\n", start)
	return append(append(make([]byte, 0, len(u.file)+u.body.Len()), u.file...), u.body.Bytes()...)
}

// catalog returns the document catalog written anew: every entry of the
// current one but those in replace, followed by replace's entries (already
// written PDF values).
func (u *increment) catalog(replace map[string]string, order ...string) []byte {
	root := u.r.Trailer().Key("Root")
	self := root.GetPtr()
	var b bytes.Buffer
	b.WriteString("<<")
	for _, k := range root.Keys() {
		if _, ok := replace[k]; ok {
			continue
		}
		b.WriteString(" " + pdfName(k) + " ")
		writeValue(&b, root.Key(k), self.GetID())
	}
	for _, k := range order {
		b.WriteString(" " + pdfName(k) + " " + replace[k])
	}
	b.WriteString(" >>")
	return b.Bytes()
}

// writeValue writes v, a value inside object self, in PDF syntax: values of
// other objects as references, direct ones in full.
func writeValue(b *bytes.Buffer, v pdf.Value, self uint32) {
	if p := v.GetPtr(); p.GetID() != self && p.GetID() != 0 {
		fmt.Fprintf(b, "%d %d R", p.GetID(), p.GetGen())
		return
	}
	switch v.Kind() {
	case pdf.Null:
		b.WriteString("null")
	case pdf.Bool:
		b.WriteString(strconv.FormatBool(v.Bool()))
	case pdf.Integer:
		b.WriteString(strconv.FormatInt(v.Int64(), 10))
	case pdf.Real:
		b.WriteString(strconv.FormatFloat(v.Float64(), 'f', -1, 64))
	case pdf.String:
		b.WriteString("<" + hex.EncodeToString([]byte(v.RawString())) + ">")
	case pdf.Name:
		b.WriteString(pdfName(v.Name()))
	case pdf.Array:
		b.WriteString("[")
		for i := range v.Len() {
			if i > 0 {
				b.WriteByte(' ')
			}
			writeValue(b, v.Index(i), self)
		}
		b.WriteString("]")
	case pdf.Dict:
		b.WriteString("<<")
		for _, k := range v.Keys() {
			b.WriteString(" " + pdfName(k) + " ")
			writeValue(b, v.Key(k), self)
		}
		b.WriteString(" >>")
	default: // a stream is always an object of its own
		b.WriteString("null")
	}
}

// pdfName writes a name object, escaping what is not a regular character
// (ISO 32000-1, 7.3.5).
func pdfName(s string) string {
	var b bytes.Buffer
	b.WriteByte('/')
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '!' || c > '~' || bytes.IndexByte([]byte("#()<>[]{}/%"), c) >= 0 {
			fmt.Fprintf(&b, "#%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// refs writes an array of references.
func refs(nums []uint32) string {
	var b bytes.Buffer
	b.WriteByte('[')
	for i, n := range nums {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%d 0 R", n)
	}
	b.WriteByte(']')
	return b.String()
}
