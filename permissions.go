package motcua

// Action is something a user does to dossiers; each role may do some. The
// HTTP API and the pages check the same table, so a page never offers what
// the API would refuse.
type Action string

// The actions.
const (
	ActRead       Action = "read"       // see dossiers, receipts and results
	ActIntake     Action = "intake"     // take a dossier in
	ActSupplement Action = "supplement" // add the documents asked for
	ActWithdraw   Action = "withdraw"   // withdraw at the citizen's request
	ActReview     Action = "review"     // approve, reject or ask for a supplement
	ActSign       Action = "sign"       // sign or return a result
	ActReadDraft  Action = "read_draft" // read the unsigned result
	ActAudit      Action = "audit"      // read histories, timelines, bundles and the access log
	// ActCitizenPapers: look up the papers a citizen handed in before, to
	// reuse them (each look-up is logged with its reason).
	ActCitizenPapers Action = "citizen_papers"
	ActPayment       Action = "payment"      // confirm a fee's payment (the payment gateway)
	ActConsultation  Action = "consultation" // give another agency's answer (its system)
	ActHandBack      Action = "hand_back"    // hand the result to the citizen
	ActReport        Action = "report"       // read the commune's figures
	// ActOperate: the operator's way out of a dossier stuck on the
	// machinery (an archive that refused its result), with the system's
	// token; every such act is a step of the dossier.
	ActOperate Action = "operate"
	// ActIssue: issue a signed result (take its register number and apply
	// the organisation's signature), return it to the leader, or void a
	// register entry.
	ActIssue Action = "issue"
	// ActRegisters: read the registers of issued results.
	ActRegisters Action = "registers"
	// ActSubscribe: manage the webhooks back-office systems hear changes on.
	ActSubscribe Action = "subscribe"
)

var permissions = map[Action][]Role{
	ActRead:          Roles,
	ActIntake:        {RoleClerk, RoleSystem},
	ActSupplement:    {RoleClerk, RoleSystem},
	ActWithdraw:      {RoleClerk, RoleSystem},
	ActReview:        {RoleSpecialist},
	ActSign:          {RoleChairman, RoleViceChairman},
	ActReadDraft:     {RoleSpecialist, RoleChairman, RoleViceChairman, RoleAuditor},
	ActAudit:         {RoleAuditor},
	ActCitizenPapers: {RoleClerk, RoleSpecialist},
	ActPayment:       {RoleSystem},
	ActConsultation:  {RoleSystem},
	ActHandBack:      {RoleClerk},
	ActReport:        {RoleChairman, RoleViceChairman, RoleAuditor},
	ActOperate:       {RoleSystem},
	ActIssue:         {RoleRecordsOfficer},
	ActRegisters:     {RoleRecordsOfficer, RoleAuditor},
	ActSubscribe:     {RoleSystem},
}

// May reports whether the role may do a.
func (r Role) May(a Action) bool {
	for _, allowed := range permissions[a] {
		if allowed == r {
			return true
		}
	}
	return false
}

// Allowed lists the roles that may do a.
func (a Action) Allowed() []Role { return append([]Role(nil), permissions[a]...) }
