package activities

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/motcua/motcua/signer"
)

// ArchiveVersion is the newest version of a dossier's archived result.
type ArchiveVersion struct {
	DossierID string
	SHA256    string
	// Expires is when the authority certificate of its newest document
	// timestamp expires: before then a newer one must cover the file.
	Expires time.Time
}

// Renewal is one renewal of an archived result's document timestamp: the
// version it renewed and the version it made.
type Renewal struct {
	DossierID string
	From, To  string
	// Timestamp is the new document timestamp's time, Expires when its
	// authority's certificate expires.
	Timestamp time.Time
	Expires   time.Time
}

// FindExpiringArchives lists, by dossier, the archived results whose newest
// document timestamp's authority certificate expires before the given
// time. A result that no longer verifies is reported in the log and left
// for an auditor: renewing it would only timestamp a broken file.
func (a *Activities) FindExpiringArchives(ctx context.Context, before time.Time) ([]ArchiveVersion, error) {
	log := a.Log.With().Str("activity", "FindExpiringArchives").Logger()
	_, records, _, err := a.Store.Files()
	if err != nil {
		return nil, err
	}
	slices.Sort(records)
	var due []ArchiveVersion
	for i, id := range records {
		if i%50 == 0 && activity.IsActivity(ctx) {
			activity.RecordHeartbeat(ctx, i)
		}
		_, versions, err := a.Store.Current(id)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", id, err)
		}
		sum := versions[len(versions)-1]
		b, err := a.Store.Get(sum)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", id, err)
		}
		rep, err := signer.Verify(b, a.Signing.Roots)
		if err == nil {
			err = rep.Err()
		}
		if err != nil {
			log.Warn().Str("dossier_id", id).Str("sha256", sum).Err(err).Msg("archived result does not verify: not renewed")
			continue
		}
		expires, ok := signer.ArchiveTimestampExpiry(rep)
		if ok && expires.Before(before) {
			due = append(due, ArchiveVersion{DossierID: id, SHA256: sum, Expires: expires.UTC()})
		}
	}
	return due, nil
}

// RenewArchiveTimestamp adds a new document timestamp, and the validation
// data of the one before, to an archived result (signer.Renew), and stores
// it as the result's next version. It is idempotent: when the version was
// renewed already (a retry after a crash, or an overlapping run), the
// renewal made first is returned.
func (a *Activities) RenewArchiveTimestamp(ctx context.Context, v ArchiveVersion) (Renewal, error) {
	log := a.logger(ctx, v.DossierID)
	_, versions, err := a.Store.Current(v.DossierID)
	if err != nil {
		return Renewal{}, err
	}
	i := slices.Index(versions, v.SHA256)
	if i < 0 {
		return Renewal{}, temporal.NewNonRetryableApplicationError(fmt.Sprintf("%s is no version of the result of %s", v.SHA256, v.DossierID), ErrInvalidDocument, nil)
	}
	to := ""
	if i+1 < len(versions) {
		to = versions[i+1] // renewed already
	} else {
		b, err := a.Store.Get(v.SHA256)
		if err != nil {
			return Renewal{}, err
		}
		renewed, err := signer.Renew(ctx, b, a.Signing)
		if err != nil {
			if errors.Is(err, signer.ErrInvalidInput) {
				return Renewal{}, temporal.NewNonRetryableApplicationError(err.Error(), ErrInvalidDocument, err)
			}
			return Renewal{}, fmt.Errorf("renew: %w", err) // the TSA, OCSP or CRL out of reach: retried
		}
		if to, err = a.Store.Renew(v.DossierID, v.SHA256, renewed); err != nil {
			return Renewal{}, err
		}
	}
	b, err := a.Store.Get(to)
	if err != nil {
		return Renewal{}, err
	}
	rep, err := signer.Verify(b, a.Signing.Roots)
	if err != nil {
		return Renewal{}, err
	}
	if err := rep.Err(); err != nil {
		return Renewal{}, fmt.Errorf("renewed result %s does not verify: %w", to[:12], err)
	}
	r := Renewal{DossierID: v.DossierID, From: v.SHA256, To: to}
	r.Expires, _ = signer.ArchiveTimestampExpiry(rep)
	if last := rep.Signatures[len(rep.Signatures)-1]; last.Timestamp != nil {
		r.Timestamp = last.Timestamp.UTC()
	}
	r.Expires = r.Expires.UTC()
	log.Info().Str("from", v.SHA256).Str("to", to).Time("expires", r.Expires).Msg("archive timestamp renewed")
	return r, nil
}
