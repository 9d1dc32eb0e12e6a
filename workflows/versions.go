package workflows

// Every change to DossierWorkflow that would not replay a history recorded
// before it is made behind workflow.GetVersion with one of these ids. Each
// is listed in Changes with the recorded histories (testdata/NAME.json)
// that prove both sides still replay: Before was recorded by the code
// without the change, After by the code with it. A new change adds its id
// here and its two histories to testdata (MOTCUA_RECORD_HISTORIES=1 go test
// ./api/).
const (
	changeReminders      = "deadline-reminders"
	changePortalBatches  = "portal-batches"
	changeLocalReceipt   = "local-receipt"
	changeProcedureSteps = "procedure-steps"
	changeLocalFacts     = "facts-local"
)

// Change is one workflow.GetVersion change of DossierWorkflow.
type Change struct {
	ID   string
	What string
	// Before and After name recorded histories without and with it.
	Before, After string
}

// Changes lists the changes in the order they were made.
var Changes = []Change{
	{changeReminders, "the office is reminded the working day before the due date; the dossier is marked overdue after it",
		"approve-sign", "approve-sign-with-reminders"},
	{changePortalBatches, "portal updates waiting for a dossier go in one request (PushPortalUpdates)",
		"portal-outage", "portal-outage-batches"},
	{changeLocalReceipt, "the receipt is rendered as a local activity",
		"approve-sign-portal-batches", "approve-sign-local-receipt"},
	{changeProcedureSteps, "the procedure's own steps run (payment, consultation) and the result is handed back",
		"approve-sign-local-receipt", "approve-sign-hand-back"},
	{changeLocalFacts, "the read model's facts are recorded by a local activity (a marker, not three events and a task)",
		"approve-sign-hand-back", "approve-sign-local-facts"},
}
