package motcua

import (
	"regexp"
	"strings"
	"time"
)

// Channel is how the dossier reached the office.
type Channel string

// Channels of the API, with the portal's numbers.
const (
	ChannelCounter Channel = "counter" // 1: in person
	ChannelOnline  Channel = "online"  // 2
	ChannelPostal  Channel = "postal"  // 3
)

// PortalCode is the portal's number for the channel.
func (c Channel) PortalCode() int {
	switch c {
	case ChannelCounter:
		return 1
	case ChannelOnline:
		return 2
	case ChannelPostal:
		return 3
	}
	return 0
}

// Applicant is the citizen who files the dossier. IDNumber, Phone, Email and
// Address are personal data: never logged, never in search attributes, and
// encrypted wherever the workflow carries them.
type Applicant struct {
	FullName string `json:"full_name"`
	IDNumber string `json:"id_number"`
	Phone    string `json:"phone,omitempty"`
	Email    string `json:"email,omitempty"`
	Address  string `json:"address,omitempty"`
}

// MaskedApplicant is what read endpoints show of the applicant.
type MaskedApplicant struct {
	FullName       string `json:"full_name"`
	IDNumberMasked string `json:"id_number_masked"`
}

// Masked hides all but the last three digits of the ID number.
func (a Applicant) Masked() MaskedApplicant {
	return MaskedApplicant{FullName: a.FullName, IDNumberMasked: MaskID(a.IDNumber)}
}

// MaskID hides all but the last three characters of an identity number.
func MaskID(id string) string {
	if len(id) <= 3 {
		return strings.Repeat("*", len(id))
	}
	return strings.Repeat("*", len(id)-3) + id[len(id)-3:]
}

// Document is a paper handed in, as its bytes.
type Document struct {
	Code        string
	Name        string
	ContentType string
	Content     []byte
	// Ref, instead of Content, names a paper the citizen handed in before
	// or a result signed for them ("sha256:<hex>"): the intake takes it from
	// the archive, for the same citizen only.
	Ref string
}

// DocumentRef is a stored document: the workflow carries references, never
// the bytes.
type DocumentRef struct {
	Code        string `json:"code,omitempty"`
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	SHA256      string `json:"sha256"`
	Size        int64  `json:"size"`
	// Reused marks a paper taken from the archive by reference
	// (Document.Ref) instead of being handed in again.
	Reused bool `json:"reused,omitempty"`
}

// Application is a citizen's request as the office receives it, before it
// is a dossier: checked by ValidateIntake, its documents then stored.
type Application struct {
	// ExternalID is the sending system's own id; the same one again is the
	// same dossier.
	ExternalID    string
	ProcedureCode string
	Channel       Channel
	Applicant     Applicant
	Fields        map[string]string
	Documents     []Document
}

// Dossier is the input of a dossier's workflow: everything accepted at intake.
type Dossier struct {
	ID            string `json:"id"`
	ExternalID    string `json:"external_id,omitempty"`
	ProcedureCode string `json:"procedure_code"`
	// Procedure is the procedure as the catalog described it when the
	// dossier was taken in, recorded in its history so that a later
	// catalog changes new dossiers only. Dossiers taken in before it was
	// recorded have none: theirs is FirstCatalog's.
	Procedure  *Procedure        `json:"procedure,omitempty"`
	Channel    Channel           `json:"channel"`
	Applicant  Applicant         `json:"applicant"`
	Fields     map[string]string `json:"fields"`
	Documents  []DocumentRef     `json:"documents"`
	ReceivedBy string            `json:"received_by"`
	// ReceivedByName is the full name of the user who took the dossier in,
	// as documents print it.
	ReceivedByName string    `json:"received_by_name,omitempty"`
	ReceivedAt     time.Time `json:"received_at"`
	DueAt          time.Time `json:"due_at"`
	// CheckKey opens the public check of the dossier's result to whoever
	// holds the result (its QR code carries it): the dossier's code alone
	// does not, since codes follow each other. Set by the workflow.
	CheckKey string `json:"check_key,omitempty"`
}

// ProcedureTakenIn returns the procedure the dossier was taken in with: the
// one recorded at intake, or for dossiers from before it was recorded,
// FirstCatalog's.
func (d Dossier) ProcedureTakenIn() (Procedure, bool) {
	if d.Procedure != nil {
		return *d.Procedure, true
	}
	return FirstCatalog.Lookup(d.ProcedureCode)
}

// Stage names the part of the procedure a step belongs to.
type Stage string

// Stages of the procedure.
const (
	StageIntake       Stage = "intake"
	StageReview       Stage = "review"
	StageSupplement   Stage = "supplement"
	StageSignature    Stage = "signature"
	StageArchive      Stage = "archive"
	StageNotify       Stage = "notify"
	StagePayment      Stage = "payment"
	StageConsultation Stage = "consultation"
	StageHandBack     Stage = "hand_back"
	// StageIssue: the records officer issues the signed result (number,
	// organisation's signature).
	StageIssue Stage = "issue"
)

// Step is one thing that happened to a dossier.
type Step struct {
	Stage   Stage     `json:"stage"`
	Actor   string    `json:"actor"`
	Outcome string    `json:"outcome"`
	Comment string    `json:"comment,omitempty"`
	At      time.Time `json:"at"`
}

// Result is the signed, archived result document.
type Result struct {
	SHA256    string    `json:"sha256"`
	SignedBy  string    `json:"signed_by"`
	SignedAt  time.Time `json:"signed_at"`
	ArchiveID string    `json:"archive_id"`
	// IssuedBy and IssuedAt: who applied the organisation's signature, and
	// when ("system" for a procedure issued automatically); empty for a
	// result signed by the leader alone (dossiers from before issuing).
	IssuedBy string     `json:"issued_by,omitempty"`
	IssuedAt *time.Time `json:"issued_at,omitempty"`
	// Register is the result's entry in its register, when the procedure
	// numbers its results.
	Register *RegisterEntry `json:"register,omitempty"`
	// Transaction is the remote-signing transaction the leader approved
	// the signature in, when signed that way.
	Transaction string `json:"transaction,omitempty"`
}

// PortalSync is how far the national portal has been told.
type PortalSync struct {
	LastCode int        `json:"last_code"`
	SyncedAt *time.Time `json:"synced_at"`
	Pending  int        `json:"pending"`
}

// State is a dossier as the API shows it (GET /v1/dossiers/{id}).
type State struct {
	DossierID     string          `json:"dossier_id"`
	ProcedureCode string          `json:"procedure_code"`
	Channel       Channel         `json:"channel"`
	Status        Status          `json:"status"`
	ReceivedAt    time.Time       `json:"received_at"`
	DueAt         time.Time       `json:"due_at"`
	CompletedAt   *time.Time      `json:"completed_at"`
	Applicant     MaskedApplicant `json:"applicant"`
	Steps         []Step          `json:"steps"`
	Result        *Result         `json:"result"`
	Portal        PortalSync      `json:"portal"`
	// Receipt is the stored form 01; Draft the unsigned result once rendered.
	Receipt *DocumentRef `json:"receipt,omitempty"`
	Draft   *DocumentRef `json:"draft,omitempty"`
	// Documents are the papers taken in and added, in order.
	Documents []DocumentRef `json:"documents,omitempty"`
	// MissingDocuments are the codes asked for by the open supplement request.
	MissingDocuments []string `json:"missing_documents,omitempty"`
	// SigningRequest is the open remote signing request, if any.
	SigningRequest *SigningRequest `json:"signing_request,omitempty"`
	// Revision counts the decisions carried out; a command is vouched for
	// one revision of the dossier.
	Revision int `json:"revision"`
	// ProcedureVersion is the catalog version the dossier was taken in with.
	ProcedureVersion string `json:"procedure_version,omitempty"`
	// Fee is what the dossier pays and whether it was paid; nil when free.
	Fee *Fee `json:"fee,omitempty"`
	// Consultation is the other agency's part, when the procedure asks one.
	Consultation *ConsultationState `json:"consultation,omitempty"`
	// SupplementRounds counts the supplement requests.
	SupplementRounds int `json:"supplement_rounds"`
	// HandedBack records how the result reached the citizen.
	HandedBack *HandedBack `json:"handed_back,omitempty"`
	// Apology is the late dossier's letter, once drafted.
	Apology *Apology `json:"apology,omitempty"`
	// CheckKey opens the public check of the result (see Dossier.CheckKey).
	CheckKey string `json:"check_key,omitempty"`
}

// Apology is the letter (form 04) a dossier that will be late gets: why,
// the date promised before and the new one; signed by the leader, then
// sent to the citizen. The dossier's due date does not move: it still
// counts late.
type Apology struct {
	Reason     string       `json:"reason"`
	PromisedAt time.Time    `json:"promised_at"`
	NewDueAt   time.Time    `json:"new_due_at"`
	DraftedAt  time.Time    `json:"drafted_at"`
	Draft      *DocumentRef `json:"draft,omitempty"`
	Letter     *DocumentRef `json:"letter,omitempty"`
	SignedBy   string       `json:"signed_by,omitempty"`
	Sent       string       `json:"sent,omitempty"` // how the citizen was told
}

// Fee is a dossier's fee and its payment.
type Fee struct {
	AmountVND     int64      `json:"amount_vnd"`
	Paid          bool       `json:"paid"`
	TransactionID string     `json:"transaction_id,omitempty"`
	Method        string     `json:"method,omitempty"`
	PaidAt        *time.Time `json:"paid_at,omitempty"`
}

// ConsultationState is another agency's part in a dossier: asked when,
// due when, and its answer.
type ConsultationState struct {
	Agency   string       `json:"agency"`
	AskedAt  time.Time    `json:"asked_at"`
	DueAt    time.Time    `json:"due_at"`
	Outcome  string       `json:"outcome,omitempty"`
	Answer   *DocumentRef `json:"answer,omitempty"`
	Answered *time.Time   `json:"answered_at,omitempty"`
}

// HandedBack is the result's hand-back: at the counter or by post, to whom.
type HandedBack struct {
	Method         string    `json:"method"`
	ReceivedBy     string    `json:"received_by"`
	PostalTracking string    `json:"postal_tracking,omitempty"`
	By             string    `json:"by"`
	At             time.Time `json:"at"`
}

// Summary is a dossier as a list shows it.
type Summary struct {
	DossierID     string `json:"dossier_id"`
	ProcedureCode string `json:"procedure_code"`
	// Applicant is the applicant's full name (empty for dossiers taken in
	// before lists carried it).
	Applicant  string     `json:"applicant,omitempty"`
	Status     Status     `json:"status"`
	ReceivedAt *time.Time `json:"received_at"`
	DueAt      *time.Time `json:"due_at"`
}

// Event is one line of a dossier's audit trail, drawn from one event of its
// workflow history: who did what, when.
type Event struct {
	EventID int64     `json:"event_id"`
	Time    time.Time `json:"time"`
	Type    string    `json:"type"`
	Actor   string    `json:"actor"`
	Summary string    `json:"summary"`
}

// Command is a user's decision on a dossier (Review, Supplement,
// SignDecision, SigningRequestInput, Withdrawal, Payment,
// ConsultationAnswer, HandBack): By returns it as made by u, MadeBy says
// who made it. The API sets the maker from the signed-in user, never from
// the request's body.
type Command[C any] interface {
	By(u User) C
	MadeBy() User
}

// Review decisions.
const (
	DecisionApprove           = "approve"
	DecisionReject            = "reject"
	DecisionRequestSupplement = "request_supplement"
)

// Review is a specialist's decision (POST /v1/dossiers/{id}/review).
type Review struct {
	Decision         string   `json:"decision"`
	Comment          string   `json:"comment"`
	MissingDocuments []string `json:"missing_documents"`
	Actor            string   `json:"actor,omitempty"`
}

// Signature decisions.
const (
	DecisionSign   = "sign"
	DecisionReturn = "return"
)

// SignDecision is the leader's decision on the draft result.
type SignDecision struct {
	Decision string `json:"decision"`
	Comment  string `json:"comment"`
	Actor    string `json:"actor,omitempty"`
	// ActorName and ActorRole identify the signer on the result.
	ActorName string `json:"actor_name,omitempty"`
	ActorRole Role   `json:"actor_role,omitempty"`
	// SigningRequestID and Signature carry a signature made on the
	// leader's own token for a signing request (remote signing): the raw
	// signature of the request's digest.
	SigningRequestID string `json:"signing_request_id,omitempty"`
	Signature        []byte `json:"signature,omitempty"`
	// Transaction, instead of Signature, names the remote-signing
	// service's transaction that will bring the signature once the leader
	// approves it on their phone: the dossier waits for it itself.
	Transaction *RemoteTransaction `json:"transaction,omitempty"`
}

// RemoteTransaction is a transaction of a remote-signing service (the
// SmartCA / MySign shape): digests the leader approves on their phone
// after matching Code, until ExpiresAt. Outcome and Message are set by
// the dossier once it has its answer: approved, refused, expired, or
// failed (the service could not be asked, or its signature did not fit).
type RemoteTransaction struct {
	ID        string    `json:"id"`
	Code      string    `json:"code"`
	ExpiresAt time.Time `json:"expires_at"`
	Outcome   string    `json:"outcome,omitempty"`
	Message   string    `json:"message,omitempty"`
}

// Outcomes of a remote-signing transaction.
const (
	TransactionApproved = "approved"
	TransactionRefused  = "refused"
	TransactionExpired  = "expired"
	TransactionFailed   = "failed"
)

// SigningRequestInput asks for a remote signing request: the certificate
// (DER) of the leader's own key, and the chain above it.
type SigningRequestInput struct {
	Certificate []byte   `json:"certificate,omitempty"`
	Chain       [][]byte `json:"chain,omitempty"`
	Actor       string   `json:"actor,omitempty"`
	ActorName   string   `json:"actor_name,omitempty"`
	ActorRole   Role     `json:"actor_role,omitempty"`
}

// SigningRequest is what the leader's client signs: DigestBase64 is the
// SHA-256 of the CMS signed attributes, to be signed as is (pre-hashed)
// with Algorithm by the key of the certificate whose SHA-256 is given.
type SigningRequest struct {
	ID                string    `json:"signing_request_id"`
	DossierID         string    `json:"dossier_id"`
	Actor             string    `json:"actor"`
	DigestBase64      string    `json:"digest_base64"`
	Algorithm         string    `json:"algorithm"`
	CertificateSHA256 string    `json:"certificate_sha256"`
	CreatedAt         time.Time `json:"created_at"`
	// Transaction is the remote-signing transaction the dossier waits on
	// for this request's signature, or the last one, with its outcome.
	Transaction *RemoteTransaction `json:"transaction,omitempty"`
}

// Supplement carries the documents the citizen added.
type Supplement struct {
	Documents []DocumentRef `json:"documents"`
	Actor     string        `json:"actor,omitempty"`
}

// Payment methods.
const (
	PaymentOnline  = "online"
	PaymentCounter = "counter"
)

// Payment is a payment gateway's confirmation that a dossier's fee was
// paid. The transaction id makes a repeated confirmation the same one.
type Payment struct {
	TransactionID string    `json:"transaction_id"`
	AmountVND     int64     `json:"amount_vnd"`
	Method        string    `json:"method"`
	PaidAt        time.Time `json:"paid_at"`
	Actor         string    `json:"actor,omitempty"`
}

// Consultation outcomes.
const (
	ConsultationAgreed  = "agreed"
	ConsultationRefused = "refused"
)

// ConsultationAnswer is the other agency's answer, entered by its system:
// agreed, or refused with a reason; with its letter as a document.
type ConsultationAnswer struct {
	Outcome  string       `json:"outcome"`
	Comment  string       `json:"comment"`
	Document *DocumentRef `json:"document,omitempty"`
	Actor    string       `json:"actor,omitempty"`
}

// Hand-back methods.
const (
	HandBackCounter = "counter"
	HandBackPost    = "post"
)

// HandBack is a clerk's record that the result reached the citizen.
type HandBack struct {
	Method         string `json:"method"`
	ReceivedBy     string `json:"received_by"`
	PostalTracking string `json:"postal_tracking,omitempty"`
	Comment        string `json:"comment"`
	Actor          string `json:"actor,omitempty"`
}

// Withdrawal is the citizen's withdrawal, entered by a clerk or a system.
type Withdrawal struct {
	Comment string `json:"comment"`
	Actor   string `json:"actor,omitempty"`
}

// ArchiveRetry is an operator's word that what kept a signed result out of
// the archive is fixed (an object in the way removed, the store repaired):
// the dossier tries to archive it again. The comment says what was done.
type ArchiveRetry struct {
	Comment string `json:"comment"`
	Actor   string `json:"actor,omitempty"`
}

var idNumber = regexp.MustCompile(`^[0-9]{12}$`)
var dossierCode = regexp.MustCompile(`^[0-9A-Za-z.]+-[0-9]{6}-[0-9]{4}$`)

// ValidDossierID reports whether id has the shape of a dossier code.
func ValidDossierID(id string) bool { return dossierCode.MatchString(id) }

// By and MadeBy make the decisions Commands; the maker's name and role are
// kept where they are printed (the signature).

func (r Review) By(u User) Review                         { r.Actor = u.ID; return r }
func (r Review) MadeBy() User                             { return User{ID: r.Actor} }
func (s Supplement) By(u User) Supplement                 { s.Actor = u.ID; return s }
func (s Supplement) MadeBy() User                         { return User{ID: s.Actor} }
func (w Withdrawal) By(u User) Withdrawal                 { w.Actor = u.ID; return w }
func (w Withdrawal) MadeBy() User                         { return User{ID: w.Actor} }
func (p Payment) By(u User) Payment                       { p.Actor = u.ID; return p }
func (p Payment) MadeBy() User                            { return User{ID: p.Actor} }
func (a ConsultationAnswer) By(u User) ConsultationAnswer { a.Actor = u.ID; return a }
func (a ConsultationAnswer) MadeBy() User                 { return User{ID: a.Actor} }
func (h HandBack) By(u User) HandBack                     { h.Actor = u.ID; return h }
func (h HandBack) MadeBy() User                           { return User{ID: h.Actor} }
func (r ArchiveRetry) By(u User) ArchiveRetry             { r.Actor = u.ID; return r }
func (r ArchiveRetry) MadeBy() User                       { return User{ID: r.Actor} }

func (d SignDecision) By(u User) SignDecision {
	d.Actor, d.ActorName, d.ActorRole = u.ID, u.Name, u.Role
	return d
}
func (d SignDecision) MadeBy() User { return User{ID: d.Actor, Name: d.ActorName, Role: d.ActorRole} }

func (in SigningRequestInput) By(u User) SigningRequestInput {
	in.Actor, in.ActorName, in.ActorRole = u.ID, u.Name, u.Role
	return in
}
func (in SigningRequestInput) MadeBy() User {
	return User{ID: in.Actor, Name: in.ActorName, Role: in.ActorRole}
}
