package office

import (
	"bytes"
	"context"
	"slices"

	historypb "go.temporal.io/api/history/v1"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/internal/audit"
)

// The papers of a dossier, by name.
const (
	Receipt = "receipt" // the receipt given at intake
	Draft   = "draft"   // the draft result, before it is signed
	Result  = "result"  // the signed result, its newest archived version
	Apology = "apology" // the apology letter of a late dossier: signed, or its draft
)

// Paper is one of a dossier's papers, to serve.
type Paper struct {
	Filename    string
	ContentType string
	SHA256      string
	Content     []byte
}

// Paper returns the dossier's paper of the given name (Receipt, Draft,
// Result, Apology), or a paper taken in with it by its SHA-256, as by may
// read it: drafts only to the roles that read drafts. A paper the dossier
// does not have (yet) is a not_found error.
func (o *Office) Paper(ctx context.Context, id, name string, by motcua.User) (Paper, error) {
	st, err := o.Dossiers.State(ctx, id)
	if err != nil {
		return Paper{}, err
	}
	return o.PaperOf(st, name, by)
}

// PaperOf is Paper for a dossier whose state the caller has read already.
func (o *Office) PaperOf(st motcua.State, name string, by motcua.User) (Paper, error) {
	var err error
	drafts := by.Role.May(motcua.ActReadDraft)
	p := Paper{ContentType: "application/pdf"}
	switch ap := st.Apology; {
	case name == Receipt && st.Receipt != nil:
		p.SHA256, p.Filename = st.Receipt.SHA256, "giay-tiep-nhan-"+st.DossierID+".pdf"
	case name == Draft && st.Draft != nil && drafts:
		p.SHA256, p.Filename = st.Draft.SHA256, "du-thao-"+st.DossierID+".pdf"
	case name == Apology && ap != nil && ap.Letter != nil:
		p.SHA256, p.Filename = ap.Letter.SHA256, "phieu-xin-loi-"+st.DossierID+".pdf"
	case name == Apology && ap != nil && ap.Draft != nil && drafts:
		p.SHA256, p.Filename = ap.Draft.SHA256, "du-thao-phieu-xin-loi-"+st.DossierID+".pdf"
	case name == Result && st.Status == motcua.StatusAwaitingIssue && st.Result != nil && (drafts || by.Role.May(motcua.ActIssue)):
		// signed by the leader, not yet issued: for the records officer
		// who checks it before issuing, and the staff who read drafts
		p.SHA256, p.Filename = st.Result.SHA256, "ket-qua-chua-phat-hanh-"+st.DossierID+".pdf"
	case name == Result && st.Result != nil && st.Result.ArchiveID != "":
		// the newest version: its document timestamp was renewed last
		if _, versions, err := o.Store.Current(st.DossierID); err == nil {
			p.SHA256, p.Filename = versions[len(versions)-1], "ket-qua-"+st.DossierID+".pdf"
		}
	default:
		if i := slices.IndexFunc(st.Documents, func(d motcua.DocumentRef) bool { return d.SHA256 == name }); i >= 0 {
			d := st.Documents[i]
			p.SHA256, p.Filename, p.ContentType = d.SHA256, d.Name, d.ContentType
		}
	}
	if p.SHA256 == "" {
		return p, motcua.Errorf(motcua.CodeNotFound, "dossier %s has no such document yet (it is %s)", st.DossierID, st.Status)
	}
	if p.Content, err = o.Store.Get(p.SHA256); err != nil {
		return p, err
	}
	return p, nil
}

// History returns the dossier's Temporal history, the audit log.
func (o *Office) History(ctx context.Context, id string) (*historypb.History, error) {
	st, err := o.Dossiers.State(ctx, id) // a dossier of this unit
	if err != nil {
		return nil, err
	}
	return audit.History(ctx, o.Dossiers.Temporal, st.DossierID)
}

// Bundle returns the dossier's offline audit bundle (see
// audit.WriteBundle): a zip an auditor checks with no access to motcua.
func (o *Office) Bundle(ctx context.Context, id string) ([]byte, error) {
	h, err := o.History(ctx, id)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := audit.WriteBundle(&b, id, o.DataConverter, h, o.Store, o.AuditKey); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
