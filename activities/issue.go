package activities

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/internal/archive"
	"github.com/motcua/motcua/internal/document"
	"github.com/motcua/motcua/internal/vouch"
	"github.com/motcua/motcua/signer"
)

// Looks are the images signatures are drawn with (Nghị định
// 30/2020/NĐ-CP, Phụ lục I; see signer.SignatureLook and signer.SealLook).
// Without them a signature is drawn as the text stamp of signing tools.
type Looks struct {
	// Signature returns a leader's handwritten-signature image (PNG), nil
	// when none is registered.
	Signature func(user motcua.User) []byte
	// Seal is the unit's seal (PNG), nil when none is registered.
	Seal []byte
}

// leaderLook is the visible signature of a leader signing at place.
func (a *Activities) leaderLook(u motcua.User, place document.Place, now time.Time) (*signer.Appearance, *signer.Stamp) {
	if a.Looks.Signature != nil {
		if img := a.Looks.Signature(u); img != nil {
			if look, err := signer.SignatureLook(img, place.Rect); err == nil {
				look.Page = place.Page
				return look, nil
			}
		}
	}
	return nil, &signer.Stamp{Name: u.Name, Title: u.Role.SignatureTitle(), Unit: a.Unit.Name, Time: now}
}

// leaderInfo is the signature dictionary and look of a leader's
// signature.
func (a *Activities) leaderInfo(u motcua.User, reason string, place document.Place, now time.Time) signer.Info {
	look, stamp := a.leaderLook(u, place, now)
	return signer.Info{Name: u.Name, Reason: reason, Location: a.Unit.Name, Time: now, Appearance: look, Stamp: stamp}
}

// NumberRequest asks a register for the next number, for a dossier; the
// same dossier asking again gets the same number.
type NumberRequest struct {
	Register      string    `json:"register"`
	RegisterName  string    `json:"register_name"`
	Year          int       `json:"year"`
	DossierID     string    `json:"dossier_id"`
	ProcedureCode string    `json:"procedure_code"`
	By            string    `json:"by"`
	At            time.Time `json:"at"`
}

// Registers hand out register numbers: the one numbering authority is a
// workflow per register and year (workflows.Registers).
type Registers interface {
	Take(ctx context.Context, req NumberRequest) (motcua.RegisterEntry, error)
}

// TakeNumber gives the dossier its number in its register.
func (a *Activities) TakeNumber(ctx context.Context, req NumberRequest) (motcua.RegisterEntry, error) {
	if a.Registers == nil {
		return motcua.RegisterEntry{}, temporal.NewNonRetryableApplicationError("no registers configured", ErrSigningKey, nil)
	}
	e, err := a.Registers.Take(ctx, req)
	if err != nil {
		return e, fmt.Errorf("take a number of register %s/%d: %w", req.Register, req.Year, err)
	}
	a.logger(ctx, req.DossierID).Info().Str("register", e.Register).Int("year", e.Year).Int("number", e.Number).Msg("register number taken")
	return e, nil
}

// IssueInput asks for a leader-signed result to be issued: the
// organisation's signature over it, with its register entry.
type IssueInput struct {
	Dossier    motcua.Dossier
	ApprovedAt time.Time
	// Leader and LeaderAt are the leader's signature's (the result's
	// layout depends on them); Result is the SHA-256 of the signed file.
	Leader   motcua.User
	LeaderAt time.Time
	Result   string
	// Round numbers the issues of the dossier; each is made once.
	Round int
	Entry *motcua.RegisterEntry `json:"entry,omitempty"`
	// Voucher is the API's voucher for the records officer's decision;
	// none for a procedure issued automatically.
	Voucher *vouch.Voucher `json:"voucher,omitempty"`
}

// IssueResult applies the organisation's signature to the leader-signed
// result with the office's key: the seal over the left third of the
// leader's signature, the organisation's name, the register number and the
// time beside it; the register entry in the signature's reason. At B-LT
// and above the file then carries the validation data of both signatures
// and one document timestamp over both. A round already issued returns
// the stored file.
func (a *Activities) IssueResult(ctx context.Context, in IssueInput) (Signed, error) {
	ref := fmt.Sprintf("issue/%s/%d", in.Dossier.ID, in.Round)
	if sum, err := a.Store.Ref(ref); err == nil {
		return a.signedFromStore(sum)
	} else if !errors.Is(err, archive.ErrNotFound) {
		return Signed{}, err
	}
	p, err := procedure(in.Dossier)
	if err != nil {
		return Signed{}, err
	}
	issuer := motcua.User{ID: "system", Name: a.Unit.Name, Role: motcua.RoleSystem}
	if in.Voucher != nil {
		if err := a.Commands.VerifyVoucher(in.Voucher); err != nil {
			return Signed{}, temporal.NewNonRetryableApplicationError(err.Error(), ErrSigningKey, err)
		}
		if v := in.Voucher; v.DossierID != in.Dossier.ID || v.Update != "issue" || v.Actor.Role != motcua.RoleRecordsOfficer {
			return Signed{}, temporal.NewNonRetryableApplicationError("the voucher is not a records officer's for issuing this dossier", ErrSigningKey, nil)
		}
		issuer = in.Voucher.Actor
	} else if p.Issue != motcua.IssueAuto {
		return Signed{}, temporal.NewNonRetryableApplicationError("only the records officer issues results of "+p.Code, ErrSigningKey, nil)
	}
	signed, err := a.Store.Get(in.Result)
	if err != nil {
		return Signed{}, fmt.Errorf("the leader-signed result %s: %w", in.Result[:min(12, len(in.Result))], err)
	}
	if rep, err := signer.Verify(signed, a.Signing.Roots); err != nil || rep.Err() != nil || rep.LastSignature().Holder != signer.HolderPerson {
		return Signed{}, temporal.NewNonRetryableApplicationError("the result to issue does not carry a leader's valid signature", ErrInvalidDocument, nil)
	}
	if a.OfficeKey == nil {
		return Signed{}, temporal.NewNonRetryableApplicationError("no office key is configured", ErrSigningKey, nil)
	}
	key, err := a.OfficeKey()
	if err != nil {
		return Signed{}, temporal.NewNonRetryableApplicationError("the office key: "+err.Error(), ErrSigningKey, err)
	}
	place, err := document.ResultPlace(a.Unit, p, in.Dossier, in.ApprovedAt, document.Signer{Name: in.Leader.Name, Role: in.Leader.Role, At: in.LeaderAt})
	if err != nil {
		return Signed{}, temporal.NewNonRetryableApplicationError(err.Error(), ErrInvalidDocument, err)
	}
	now := time.Now()
	info := signer.Info{Name: a.Unit.Name, Reason: motcua.IssueReason(in.Dossier.ID, in.Entry), Location: a.Unit.Name, Time: now}
	text := []string{a.Unit.Name}
	if in.Entry != nil {
		text = append(text, in.Entry.Label())
	}
	if leader, stamp := a.leaderLook(in.Leader, place, in.LeaderAt); a.Looks.Seal != nil {
		under := place.Rect
		if leader != nil {
			under = leader.Rect
		} else if stamp != nil {
			under = signer.StampRect
		}
		look, err := signer.SealLook(a.Looks.Seal, text, now, under)
		if err != nil {
			return Signed{}, temporal.NewNonRetryableApplicationError(err.Error(), ErrSigningKey, err)
		}
		look.Page = place.Page
		info.Appearance = look
	} else { // the text stamp, left of the leader's
		stamp := signer.Stamp{Name: a.Unit.Name, Title: "Văn thư phát hành", Unit: text[len(text)-1], Time: now}
		img, err := stamp.PNG()
		if err != nil {
			return Signed{}, err
		}
		r := signer.StampRect
		w := r[2] - r[0] + 10
		info.Appearance = &signer.Appearance{Page: place.Page, PNG: img, Rect: [4]float64{r[0] - w, r[1], r[2] - w, r[3]}}
	}
	out, err := signer.Sign(ctx, signed, key, info, a.Signing)
	if err != nil {
		return Signed{}, signingError(err)
	}
	sum, err := a.Store.PutRef(ref, out)
	if err != nil {
		return Signed{}, err
	}
	a.logger(ctx, in.Dossier.ID).Info().Str("sha256", sum).Str("issued_by", issuer.ID).Msg("result issued with the organisation's signature")
	return a.signedFromStore(sum)
}
