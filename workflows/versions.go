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
	changeIssue          = "issue"
	changeLeanHistory    = "lean-history"
)

// Retiring an old branch. A dossier stays open for months (supplement
// rounds, the hand-back) and its history is replayed for ten years, so an
// old branch goes only when both hold:
//
//  1. No open dossier runs it: `motcua audit versions` counts, per change,
//     the open dossiers that did not record its marker (the
//     TemporalChangeVersion search attribute the SDK sets when GetVersion
//     first takes the new branch; every change here is taken when a dossier
//     starts, so a dossier without the marker started before the change).
//     The count must be 0 on every installation that ran the old code.
//  2. The closed dossiers that ran it still replay for auditors: the
//     GetVersion call stays, with minimum version 1 (a history without the
//     marker then fails replay with a clear "version below minimum" instead
//     of taking a wrong path), and the change's Before history moves from
//     testdata to testdata/retired, replayed with the release that still
//     had the branch (the audit tool of that release, kept beside the
//     archive).
//
// Only then is the old branch's code deleted; the change keeps its entry
// here with its After history.

// Change is one workflow.GetVersion change of DossierWorkflow.
type Change struct {
	ID   string
	What string
	// Before and After name recorded histories without and with it.
	Before, After string
	// Subsumes: the change's marker stands for every change before it
	// (a dossier with it runs all their new branches and records none of
	// their markers).
	Subsumes bool
}

// Markers are the version markers (TemporalChangeVersion values) of which
// any says a dossier runs change i's new branch: its own, and those of
// later changes that subsume it.
func Markers(i int) []string {
	out := []string{Changes[i].ID + "-1"}
	for _, c := range Changes[i+1:] {
		if c.Subsumes {
			out = append(out, c.ID+"-1")
		}
	}
	return out
}

// Changes lists the changes in the order they were made.
var Changes = []Change{
	{changeReminders, "the office is reminded the working day before the due date; the dossier is marked overdue after it",
		"approve-sign", "approve-sign-with-reminders", false},
	{changePortalBatches, "portal updates waiting for a dossier go in one request (PushPortalUpdates)",
		"portal-outage", "portal-outage-batches", false},
	{changeLocalReceipt, "the receipt is rendered as a local activity",
		"approve-sign-portal-batches", "approve-sign-local-receipt", false},
	{changeProcedureSteps, "the procedure's own steps run (payment, consultation) and the result is handed back",
		"approve-sign-local-receipt", "approve-sign-hand-back", false},
	{changeLocalFacts, "the read model's facts are recorded by a local activity (a marker, not three events and a task)",
		"approve-sign-hand-back", "approve-sign-local-facts", false},
	{changeIssue, "the records officer issues the signed result: its register number, the organisation's signature (Nghị định 30/2020/NĐ-CP)",
		"approve-sign-local-facts", "approve-sign-issue", false},
	{changeLeanHistory, "a lean history: one marker for every change before it, effects as local activities, each status published to the portal and the read model by one local activity, search attributes upserted when they change, one deadline timer",
		"approve-sign-issue", "approve-sign-issue-lean", true},
}
