package motcua

import "net/url"

// Unit is the administrative unit running the one-stop office.
type Unit struct {
	// Code is the unit's code in the national catalog, the prefix of every
	// dossier code (e.g. 000.00.01.H22).
	Code string `json:"code"`
	// Name is the unit's full name, e.g. "Ủy ban nhân dân xã Tân Lập".
	Name string `json:"name"`
	// Place is the place name written before the date on documents.
	Place string `json:"place"`
	// PublicURL is the base address of the office's public pages (Tra cứu
	// hồ sơ, Kiểm tra văn bản), e.g. https://motcua.tanlap.gov.vn; the
	// receipt and the result carry a QR code to them. Empty: no QR code.
	PublicURL string `json:"public_url,omitempty"`
}

// LookupLink is the public lookup page of dossier id, the receipt's QR
// code: the citizen adds the last four digits of their phone or identity
// number. Empty when the unit has no public address.
func (u Unit) LookupLink(id string) string {
	if u.PublicURL == "" {
		return ""
	}
	return u.PublicURL + "/tra-cuu?ma=" + url.QueryEscape(id)
}

// CheckLink is the public check page of dossier id's issued result, the
// result's QR code; key is the dossier's CheckKey. Empty when the unit has
// no public address or the dossier no key.
func (u Unit) CheckLink(id, key string) string {
	if u.PublicURL == "" || key == "" {
		return ""
	}
	return u.PublicURL + "/kiem-tra?ma=" + url.QueryEscape(id) + "&k=" + url.QueryEscape(key)
}

// DefaultUnit is the demo unit of `motcua dev`.
var DefaultUnit = Unit{Code: "000.00.01.H22", Name: "Ủy ban nhân dân xã Tân Lập", Place: "Tân Lập"}
