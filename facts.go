package motcua

import "time"

// Facts are what the commune's figures (Decision 766) count of one
// dossier: no personal data, only where it stands and how it went. Its
// workflow keeps them up to date in the read model at every change, each
// copy numbered (Seq) so that a later one always replaces an earlier one.
type Facts struct {
	DossierID        string    `json:"dossier_id"`
	ProcedureCode    string    `json:"procedure_code"`
	ProcedureVersion string    `json:"procedure_version,omitempty"`
	Channel          Channel   `json:"channel"`
	Status           Status    `json:"status"`
	ReceivedAt       time.Time `json:"received_at"`
	DueAt            time.Time `json:"due_at"`
	// FinishedAt is when the office's work ended: the result ready, or the
	// dossier rejected, withdrawn or stopped.
	FinishedAt       *time.Time `json:"finished_at,omitempty"`
	ReturnedAt       *time.Time `json:"returned_at,omitempty"`
	SupplementRounds int        `json:"supplement_rounds"`
	FeeVND           int64      `json:"fee_vnd"`
	Paid             bool       `json:"paid"`
	PaidOnline       bool       `json:"paid_online"`
	// Digitized counts the papers taken in as files; Reused those taken
	// from the archive by reference instead of being handed in again.
	Digitized       int  `json:"digitized"`
	Reused          int  `json:"reused"`
	SignedDigitally bool `json:"signed_digitally"`
	// Register is the issued result's register number ("Số: 12/2026/KS"),
	// empty before it is issued.
	Register string `json:"register,omitempty"`
	// PortalInSync: the national portal has every status so far.
	PortalInSync bool `json:"portal_in_sync"`
	Seq          int  `json:"seq"`
}
