package motcua

// Unit is the administrative unit running the one-stop office.
type Unit struct {
	// Code is the unit's code in the national catalog, the prefix of every
	// dossier code (e.g. 000.00.01.H22).
	Code string `json:"code"`
	// Name is the unit's full name, e.g. "Ủy ban nhân dân xã Tân Lập".
	Name string `json:"name"`
	// Place is the place name written before the date on documents.
	Place string `json:"place"`
}

// DefaultUnit is the demo unit of `motcua dev`.
var DefaultUnit = Unit{Code: "000.00.01.H22", Name: "Ủy ban nhân dân xã Tân Lập", Place: "Tân Lập"}
