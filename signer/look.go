package signer

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"sync"
	"time"

	xdraw "golang.org/x/image/draw"
	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// The appearance of a result as Nghị định 30/2020/NĐ-CP (công tác văn
// thư), Phụ lục I, draws an electronic document's signatures:
//
//   - the competent person's digital signature shows the image of their
//     handwritten signature, blue, PNG with a transparent background, at the
//     signing place, and no text (SignatureLook);
//   - the organisation's digital signature shows the office's seal, red, at
//     its actual size, PNG with a transparent background, over about the
//     left third of the person's signature image (as điều 33.1.b asks of a
//     seal on paper), with the organisation's name and the signing time
//     (date, hh:mm:ss, Vietnam's time zone, ISO 8601) (SealLook).

// SealDiameter is the seal's actual size on the page, in points: 36 mm,
// the round seal of a commune's People's Committee (Nghị định 99/2016/NĐ-CP
// leaves the size to the Ministry of Public Security; 35-36 mm is usual).
const SealDiameter = 36 / 25.4 * 72

// sealTextWidth is the room, in points, the organisation's name and the
// signing time take to the left of the seal.
const sealTextWidth = 130.0

// SignatureLook places a handwritten signature image (PNG) in place, the
// signing place's rectangle in points: as large as fits, its proportions
// kept, centred.
func SignatureLook(img []byte, place [4]float64) (*Appearance, error) {
	cfg, err := png.DecodeConfig(bytes.NewReader(img))
	if err != nil {
		return nil, fmt.Errorf("signature image: %w", err)
	}
	if cfg.Width == 0 || cfg.Height == 0 {
		return nil, fmt.Errorf("signature image: empty")
	}
	w, h := place[2]-place[0], place[3]-place[1]
	scale := min(w/float64(cfg.Width), h/float64(cfg.Height))
	fw, fh := float64(cfg.Width)*scale, float64(cfg.Height)*scale
	x, y := place[0]+(w-fw)/2, place[1]+(h-fh)/2
	return &Appearance{Rect: [4]float64{x, y, x + fw, y + fh}, PNG: img}, nil
}

// SealLook draws the organisation's signature: the seal (PNG) at its
// actual size over about the left third of signature (the person's
// signature image, in points), and to its left the text (the
// organisation's name, the register number) and the signing time.
func SealLook(seal []byte, text []string, at time.Time, signature [4]float64) (*Appearance, error) {
	if err := loadStampFonts(); err != nil {
		return nil, err
	}
	right := signature[0] + (signature[2]-signature[0])/3
	cy := (signature[1] + signature[3]) / 2
	rect := [4]float64{right - SealDiameter - sealTextWidth, cy - SealDiameter/2, right, cy + SealDiameter/2}
	canvas, err := sealCanvases.get(seal)
	if err != nil {
		return nil, err
	}
	img := image.NewNRGBA(canvas.Rect)
	copy(img.Pix, canvas.Pix)
	hpx := img.Rect.Dy()

	// Times New Roman (Liberation Serif is metric-compatible), 10 pt,
	// upright, black.
	face, err := opentype.NewFace(stampFonts.regular, &opentype.FaceOptions{Size: 10 * stampScale, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		return nil, err
	}
	defer face.Close()
	d := &font.Drawer{Dst: img, Src: image.NewUniform(color.NRGBA{A: 0xff}), Face: face}
	width := fixed.I(int((sealTextWidth - 6) * stampScale))
	var lines []string
	for _, t := range text {
		lines = append(lines, wrap(d, t, width)...)
	}
	lines = append(lines, at.In(vietnam).Format(time.RFC3339))
	lineHeight := 12.0 * stampScale
	y := float64(hpx)/2 - lineHeight*float64(len(lines))/2 + 10*stampScale
	for _, l := range lines {
		d.Dot = fixed.P(int(2*stampScale), int(y))
		d.DrawString(fit(d, l, width))
		y += lineHeight
	}
	var b bytes.Buffer
	// Not compressed: the image only goes to pdfsign, which decodes it and
	// compresses its pixels into the PDF itself; compressing it first
	// cost a tenth of an issue's CPU for nothing.
	enc := png.Encoder{CompressionLevel: png.NoCompression}
	if err := enc.Encode(&b, img); err != nil {
		return nil, fmt.Errorf("encode seal: %w", err)
	}
	return &Appearance{Rect: rect, PNG: b.Bytes()}, nil
}

// wrap breaks text into lines no wider than width, at spaces.
func wrap(d *font.Drawer, text string, width fixed.Int26_6) []string {
	var lines []string
	line := ""
	for _, word := range bytes.Fields([]byte(text)) {
		next := string(word)
		if line != "" {
			next = line + " " + next
		}
		if line != "" && d.MeasureString(next) > width {
			lines, line = append(lines, line), string(word)
			continue
		}
		line = next
	}
	return append(lines, line)
}

// sealCanvas is the seal look's image before its text: the seal scaled to
// its actual size at the right of a transparent canvas. The seal look's
// size does not depend on where it goes, so a seal is scaled once per
// process, not per signature (scaling was a fifth of an issue's CPU).
func sealCanvas(seal []byte) (*image.NRGBA, error) {
	src, err := png.Decode(bytes.NewReader(seal))
	if err != nil {
		return nil, fmt.Errorf("seal image: %w", err)
	}
	w, d := float64(SealDiameter+sealTextWidth)*stampScale, float64(SealDiameter)*stampScale
	wpx, hpx, sealPx := int(w), int(d), int(d)
	img := image.NewNRGBA(image.Rect(0, 0, wpx, hpx))
	xdraw.CatmullRom.Scale(img, image.Rect(wpx-sealPx, 0, wpx, sealPx), src, src.Bounds(), draw.Over, nil)
	return img, nil
}

// sealCanvases keeps the canvases of the seals seen, by the seal's
// SHA-256: an office has one seal; a handful are kept.
var sealCanvases = &canvasCache{made: map[[32]byte]*image.NRGBA{}}

type canvasCache struct {
	mu   sync.Mutex
	made map[[32]byte]*image.NRGBA
}

func (c *canvasCache) get(seal []byte) (*image.NRGBA, error) {
	sum := sha256.Sum256(seal)
	c.mu.Lock()
	img, ok := c.made[sum]
	c.mu.Unlock()
	if ok {
		return img, nil
	}
	img, err := sealCanvas(seal)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.made) >= 8 {
		clear(c.made)
	}
	c.made[sum] = img
	return img, nil
}
