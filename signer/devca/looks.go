package devca

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"
	"strings"
	"unicode"

	"github.com/go-fonts/liberation/liberationserifbold"
	"github.com/go-fonts/liberation/liberationserifitalic"
	xdraw "golang.org/x/image/draw"
	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/f64"
	"golang.org/x/image/math/fixed"
)

// The demo office's images: each demo leader's handwritten signature and
// the unit's seal, drawn the way Nghị định 30/2020/NĐ-CP, Phụ lục I, asks
// of the real ones (PNG, transparent background; the signature blue, the
// seal red). A real office registers scans of its own
// (signature_image in the users file; the worker's --seal-image).

var (
	signatureInk = color.NRGBA{R: 0x12, G: 0x2e, B: 0xa8, A: 0xff}
	sealInk      = color.NRGBA{R: 0xd4, G: 0x12, B: 0x1c, A: 0xff}
)

// Handwriting draws a plausible handwritten signature for name: the given
// name in a slanted hand with the initials before it and a flourish under
// it, in blue on a transparent background. The same name always gives the
// same image.
func Handwriting(name string) []byte {
	const w, h = 720, 280
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	words := strings.Fields(name)
	text := name
	if len(words) > 1 {
		var initials []rune
		for _, word := range words[:len(words)-1] {
			initials = append(initials, unicode.ToUpper([]rune(word)[0]))
		}
		text = string(initials) + " " + words[len(words)-1]
	}
	f, _ := opentype.Parse(liberationserifitalic.TTF)
	face, _ := opentype.NewFace(f, &opentype.FaceOptions{Size: 150, DPI: 72, Hinting: font.HintingNone})
	defer face.Close()
	// The text is drawn upright on its own canvas, then slanted onto img.
	flat := image.NewNRGBA(img.Bounds())
	d := &font.Drawer{Dst: flat, Src: image.NewUniform(signatureInk), Face: face}
	adv := d.MeasureString(text).Ceil()
	scale := min(1.0, float64(w-120)/float64(adv))
	d.Dot = fixed.P(40, 170)
	d.DrawString(text)
	shear := f64.Aff3{scale, -0.28 * scale, 60, 0, scale, 30 * (1 - scale)}
	xdraw.BiLinear.Transform(img, shear, flat, flat.Bounds(), xdraw.Over, nil)
	// The flourish: a long stroke under the name, rising at the end.
	seed := 0
	for _, r := range name {
		seed = seed*31 + int(r)
	}
	lift := float64(seed%40) - 20
	stroke(img, signatureInk, 5, func(t float64) (float64, float64) {
		x := 30 + t*float64(w-90)
		y := 215 + 25*math.Sin(t*math.Pi*1.3) - t*t*(60+lift)
		return x, y
	})
	return encode(img)
}

// Seal draws the round seal of unit: a double ring with the unit's name
// around it and a star in the middle, red on a transparent background.
func Seal(unit string) []byte {
	const size = 600
	c := float64(size) / 2
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	ring := func(r, width float64) {
		stroke(img, sealInk, width, func(t float64) (float64, float64) {
			return c + r*math.Cos(2*math.Pi*t), c + r*math.Sin(2*math.Pi*t)
		})
	}
	ring(288, 10)
	ring(205, 5)
	star(img, sealInk, c, c, 95)
	text := []rune(strings.ToUpper(unit))
	f, _ := opentype.Parse(liberationserifbold.TTF)
	size0 := 46.0
	radius := 232.0 // the letters' baseline
	face, _ := opentype.NewFace(f, &opentype.FaceOptions{Size: size0, DPI: 72, Hinting: font.HintingNone})
	total := fixed.Int26_6(0)
	for _, r := range text {
		a, _ := face.GlyphAdvance(r)
		total += a
	}
	span := float64(total) / 64 / radius // radians the text takes
	if limit := 2 * math.Pi * 0.92; span > limit {
		face.Close()
		size0 *= limit / span
		face, _ = opentype.NewFace(f, &opentype.FaceOptions{Size: size0, DPI: 72, Hinting: font.HintingNone})
		span = limit
	}
	defer face.Close()
	angle := -math.Pi/2 - span/2 // from the top, clockwise
	for _, r := range text {
		a, _ := face.GlyphAdvance(r)
		adv := float64(a) / 64
		mid := angle + adv/2/radius
		glyph := image.NewNRGBA(image.Rect(0, 0, 120, 120))
		d := &font.Drawer{Dst: glyph, Src: image.NewUniform(sealInk), Face: face}
		d.Dot = fixed.P(60-int(adv/2), 60+int(size0/3))
		d.DrawString(string(r))
		px, py := c+radius*math.Cos(mid), c+radius*math.Sin(mid)
		rot := mid + math.Pi/2
		cos, sin := math.Cos(rot), math.Sin(rot)
		m := f64.Aff3{cos, -sin, px - (cos*60 - sin*60), sin, cos, py - (sin*60 + cos*60)}
		xdraw.BiLinear.Transform(img, m, glyph, glyph.Bounds(), xdraw.Over, nil)
		angle += adv / radius
	}
	return encode(img)
}

// stroke draws the curve p(t), t from 0 to 1, with a round pen of the
// given width.
func stroke(img *image.NRGBA, ink color.NRGBA, width float64, p func(t float64) (float64, float64)) {
	const steps = 4000
	for i := 0; i <= steps; i++ {
		x, y := p(float64(i) / steps)
		dot(img, ink, x, y, width/2)
	}
}

// dot paints a disc, its edge smoothed.
func dot(img *image.NRGBA, ink color.NRGBA, cx, cy, r float64) {
	for y := int(cy - r - 1); y <= int(cy+r+1); y++ {
		for x := int(cx - r - 1); x <= int(cx+r+1); x++ {
			d := math.Hypot(float64(x)+0.5-cx, float64(y)+0.5-cy)
			cover := math.Min(1, math.Max(0, r+0.5-d))
			paint(img, ink, x, y, cover)
		}
	}
}

// star paints a five-pointed star of outer radius r centred at (cx, cy).
func star(img *image.NRGBA, ink color.NRGBA, cx, cy, r float64) {
	var pts [10][2]float64
	for i := range pts {
		rad := r
		if i%2 == 1 {
			rad = r * 0.382
		}
		a := -math.Pi/2 + float64(i)*math.Pi/5
		pts[i] = [2]float64{cx + rad*math.Cos(a), cy + rad*math.Sin(a)}
	}
	for y := int(cy - r); y <= int(cy+r); y++ {
		for x := int(cx - r); x <= int(cx+r); x++ {
			if inside(pts[:], float64(x)+0.5, float64(y)+0.5) {
				paint(img, ink, x, y, 1)
			}
		}
	}
}

// inside reports whether (x, y) is inside the polygon (even-odd rule).
func inside(poly [][2]float64, x, y float64) bool {
	in := false
	for i, j := 0, len(poly)-1; i < len(poly); j, i = i, i+1 {
		a, b := poly[i], poly[j]
		if (a[1] > y) != (b[1] > y) && x < (b[0]-a[0])*(y-a[1])/(b[1]-a[1])+a[0] {
			in = !in
		}
	}
	return in
}

// paint lays ink over pixel (x, y) with the given coverage.
func paint(img *image.NRGBA, ink color.NRGBA, x, y int, cover float64) {
	if cover <= 0 || !(image.Point{X: x, Y: y}.In(img.Rect)) {
		return
	}
	old := img.NRGBAAt(x, y)
	a := uint8(math.Max(float64(old.A), cover*255))
	img.SetNRGBA(x, y, color.NRGBA{R: ink.R, G: ink.G, B: ink.B, A: a})
}

func encode(img image.Image) []byte {
	var b bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&b, img); err != nil {
		panic("devca: encode png: " + err.Error()) // an in-memory image always encodes
	}
	return b.Bytes()
}
