// Package workflows holds the dossier workflow, which carries one dossier
// from intake to the citizen's notification, and the workflow that hands out
// dossier codes.
package workflows

import (
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
)

// TaskQueue is the task queue of motcua's workers.
const TaskQueue = "motcua"

// Update and query names of the dossier workflow.
const (
	UpdateIntake     = "intake"
	UpdateReview     = "review"
	UpdateSupplement = "supplement"
	UpdateSign       = "sign"
	UpdateWithdraw   = "withdraw"
	// UpdatePayment, UpdateConsultation and UpdateHandBack carry the
	// steps some procedures have and every one ends with.
	UpdatePayment      = "payment"
	UpdateConsultation = "consultation"
	UpdateHandBack     = "hand_back"
	// UpdateSigningRequest prepares a remote signature (see signer.Prepare).
	UpdateSigningRequest = "signing_request"
	// UpdateArchiveRetry is the operator's retry of an archive that
	// refused the signed result.
	UpdateArchiveRetry = "archive_retry"
	// UpdateIssue is the records officer's decision on a signed result.
	UpdateIssue = "issue"
	QueryState  = "state"
	// QueryPublic is the public lookup's query (see motcua.Applicant.Owns).
	QueryPublic = "public"
)

// Search attributes of a dossier. None carries personal data.
var (
	AttrStatus     = temporal.NewSearchAttributeKeyKeyword("MotcuaStatus")
	AttrProcedure  = temporal.NewSearchAttributeKeyKeyword("MotcuaProcedure")
	AttrReceivedAt = temporal.NewSearchAttributeKeyTime("MotcuaReceivedAt")
	AttrDueAt      = temporal.NewSearchAttributeKeyTime("MotcuaDueAt")
)

// SearchAttributes lists the custom attributes to register on a namespace.
var SearchAttributes = map[string]enums.IndexedValueType{
	AttrStatus.GetName():     enums.INDEXED_VALUE_TYPE_KEYWORD,
	AttrProcedure.GetName():  enums.INDEXED_VALUE_TYPE_KEYWORD,
	AttrReceivedAt.GetName(): enums.INDEXED_VALUE_TYPE_DATETIME,
	AttrDueAt.GetName():      enums.INDEXED_VALUE_TYPE_DATETIME,
}
