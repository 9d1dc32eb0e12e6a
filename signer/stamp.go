package signer

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"sync"
	"time"

	"github.com/go-fonts/liberation/liberationserifbold"
	"github.com/go-fonts/liberation/liberationserifregular"
	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// Stamp is the visible signature drawn on the last page: who signed, in
// which capacity, for which unit, when. pdfsign's own appearance font loses
// Vietnamese diacritics, so the stamp is drawn as an image with an embedded
// font that covers them.
type Stamp struct {
	Name  string
	Title string // "CHỦ TỊCH", "KT. CHỦ TỊCH / PHÓ CHỦ TỊCH"
	Unit  string
	Time  time.Time
}

// Stamp size on the page, in points, and where it goes: the lower right of
// the last page, above the bottom margin.
const (
	stampWidth  = 250.0
	stampHeight = 96.0
	stampRight  = 560.0
	stampBottom = 40.0
	stampScale  = 4 // pixels per point, for a sharp print
)

// StampRect is where a Stamp is drawn: the lower right of the last page.
var StampRect = [4]float64{stampRight - stampWidth, stampBottom, stampRight, stampBottom + stampHeight}

var stampFonts struct {
	once          sync.Once
	regular, bold *opentype.Font
	err           error
}

func loadStampFonts() error {
	stampFonts.once.Do(func() {
		if stampFonts.regular, stampFonts.err = opentype.Parse(liberationserifregular.TTF); stampFonts.err != nil {
			return
		}
		stampFonts.bold, stampFonts.err = opentype.Parse(liberationserifbold.TTF)
	})
	return stampFonts.err
}

// PNG draws the stamp.
func (s Stamp) PNG() ([]byte, error) {
	if err := loadStampFonts(); err != nil {
		return nil, err
	}
	w, h := int(stampWidth*stampScale), int(stampHeight*stampScale)
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	ink := color.NRGBA{R: 0xb0, G: 0x10, B: 0x10, A: 0xff}
	draw.Draw(img, img.Bounds(), &image.Uniform{C: color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: 0xff}}, image.Point{}, draw.Src)
	border := 2 * stampScale
	for x := 0; x < w; x++ {
		for t := 0; t < border; t++ {
			img.Set(x, t, ink)
			img.Set(x, h-1-t, ink)
		}
	}
	for y := 0; y < h; y++ {
		for t := 0; t < border; t++ {
			img.Set(t, y, ink)
			img.Set(w-1-t, y, ink)
		}
	}
	lines := []struct {
		text string
		bold bool
		size float64
	}{
		{"Ký bởi: " + s.Name, true, 11},
		{s.Title, true, 10},
		{s.Unit, false, 9.5},
		{"Thời gian ký: " + s.Time.In(vietnam).Format("02/01/2006 15:04:05 -07:00"), false, 9.5},
	}
	y := 8.0
	for _, l := range lines {
		f := stampFonts.regular
		if l.bold {
			f = stampFonts.bold
		}
		face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: l.size * stampScale, DPI: 72, Hinting: font.HintingFull})
		if err != nil {
			return nil, err
		}
		y += l.size + 8
		d := &font.Drawer{Dst: img, Src: image.NewUniform(ink), Face: face}
		text := fit(d, l.text, fixed.I(w-2*8*stampScale))
		d.Dot = fixed.P(8*stampScale, int(y*stampScale))
		d.DrawString(text)
		face.Close()
	}
	var b bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.NoCompression} // for pdfsign, which compresses it itself (see SealLook)
	if err := enc.Encode(&b, img); err != nil {
		return nil, fmt.Errorf("encode stamp: %w", err)
	}
	return b.Bytes(), nil
}

// fit shortens text with an ellipsis until it fits width.
func fit(d *font.Drawer, text string, width fixed.Int26_6) string {
	r := []rune(text)
	for len(r) > 1 && d.MeasureString(string(r)) > width {
		r = append(r[:len(r)-2], '…')
	}
	return string(r)
}
