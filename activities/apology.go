package activities

import (
	"context"
	"errors"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/internal/archive"
	"github.com/motcua/motcua/internal/document"
	"github.com/motcua/motcua/internal/vouch"
	"github.com/motcua/motcua/signer"
)

// ApologyInput asks for a late dossier's apology letter (form 04).
type ApologyInput struct {
	Dossier motcua.Dossier
	Apology motcua.Apology
	// Signer, Voucher and At are for the signed letter: the leader the API
	// vouched for (update "sign_apology"), at the time of the decision.
	Signer  motcua.User
	Voucher *vouch.Voucher
	At      time.Time
}

// RenderApology renders and stores the unsigned letter for the leader to
// read; the same input renders the same bytes.
func (a *Activities) RenderApology(ctx context.Context, in ApologyInput) (motcua.DocumentRef, error) {
	p, err := procedure(in.Dossier)
	if err != nil {
		return motcua.DocumentRef{}, err
	}
	b, err := document.Apology(a.Unit, p, in.Dossier, in.Apology, document.Signer{})
	if err != nil {
		return motcua.DocumentRef{}, temporal.NewNonRetryableApplicationError(err.Error(), ErrInvalidDocument, err)
	}
	ref, err := a.store(b.PDF, "phieu-xin-loi-"+in.Dossier.ID+".pdf", "application/pdf")
	if err == nil {
		a.logger(ctx, in.Dossier.ID).Info().Str("sha256", ref.SHA256).Msg("apology letter drafted")
	}
	return ref, err
}

// SignApology renders the letter with the leader's name and signs it with
// their key, once per dossier: a retry returns the letter signed first.
func (a *Activities) SignApology(ctx context.Context, in ApologyInput) (motcua.DocumentRef, error) {
	ref := "apology/" + in.Dossier.ID
	name := "phieu-xin-loi-" + in.Dossier.ID + ".pdf"
	if sum, err := a.Store.Ref(ref); err == nil {
		return a.storedRef(sum, name)
	} else if !errors.Is(err, archive.ErrNotFound) {
		return motcua.DocumentRef{}, err
	}
	if err := a.Commands.VerifyVoucher(in.Voucher); err != nil {
		return motcua.DocumentRef{}, temporal.NewNonRetryableApplicationError(err.Error(), ErrSigningKey, err)
	}
	if v := in.Voucher; v.DossierID != in.Dossier.ID || v.Update != "sign_apology" {
		return motcua.DocumentRef{}, temporal.NewNonRetryableApplicationError("the voucher is not for signing this dossier's apology", ErrSigningKey, nil)
	}
	in.Signer = in.Voucher.Actor
	p, err := procedure(in.Dossier)
	if err != nil {
		return motcua.DocumentRef{}, err
	}
	key, err := a.Keys(in.Signer)
	if err != nil {
		return motcua.DocumentRef{}, temporal.NewNonRetryableApplicationError("no signing key for "+in.Signer.ID+": "+err.Error(), ErrSigningKey, err)
	}
	paper, err := document.Apology(a.Unit, p, in.Dossier, in.Apology, document.Signer{Name: in.Signer.Name, Role: in.Signer.Role, At: in.At})
	if err != nil {
		return motcua.DocumentRef{}, temporal.NewNonRetryableApplicationError(err.Error(), ErrInvalidDocument, err)
	}
	now := time.Now()
	info := a.leaderInfo(in.Signer, "Phiếu xin lỗi và hẹn lại ngày trả kết quả hồ sơ "+in.Dossier.ID, paper.SignAt, now)
	out, err := signer.Sign(ctx, paper.PDF, key, info, a.Signing)
	if err != nil {
		return motcua.DocumentRef{}, signingError(err)
	}
	sum, err := a.Store.PutRef(ref, out)
	if err != nil {
		return motcua.DocumentRef{}, err
	}
	a.logger(ctx, in.Dossier.ID).Info().Str("sha256", sum).Str("signer", in.Signer.ID).Msg("apology letter signed")
	return a.storedRef(sum, name)
}

func (a *Activities) storedRef(sum, name string) (motcua.DocumentRef, error) {
	b, err := a.Store.Get(sum)
	if err != nil {
		return motcua.DocumentRef{}, err
	}
	return motcua.DocumentRef{Code: "PHIEU_XIN_LOI", Name: name, ContentType: "application/pdf", SHA256: sum, Size: int64(len(b))}, nil
}
