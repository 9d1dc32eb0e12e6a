package archive

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// The citizen's digitized papers: every document taken in is indexed under
// the keyed hash of the applicant's ID number (never the number itself), so
// a clerk can find what the citizen handed in before and reuse it instead
// of asking for it again. Each look-up is written to an access log auditors
// read.

// CitizenDocument is a paper a citizen handed in with a dossier, or a
// result signed for them.
type CitizenDocument struct {
	DossierID   string `json:"dossier_id"`
	Kind        string `json:"kind"` // "document" or "result"
	Code        string `json:"code,omitempty"`
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	SHA256      string `json:"sha256"`
	Size        int64  `json:"size"`
}

// IndexDocuments indexes papers of a dossier under the citizen with the
// given ID number, write-once, and remembers whose dossier it is (for the
// papers a supplement adds: IndexDossierDocuments).
func (s *Store) IndexDocuments(idNumber, dossierID string, docs []CitizenDocument) error {
	key := s.CitizenKey(idNumber)
	if err := s.objects.Create("dossier-citizen/"+safe(dossierID), []byte(key)); err != nil {
		return fmt.Errorf("index dossier %s: %w", dossierID, err)
	}
	return s.index(key, dossierID, docs)
}

// IndexDossierDocuments indexes papers added to a dossier already indexed
// under its citizen.
func (s *Store) IndexDossierDocuments(dossierID string, docs []CitizenDocument) error {
	key, err := s.objects.Read("dossier-citizen/" + safe(dossierID))
	if errors.Is(err, ErrNotFound) {
		return nil // taken in before papers were indexed
	}
	if err != nil {
		return err
	}
	return s.index(string(key), dossierID, docs)
}

func (s *Store) index(key, dossierID string, docs []CitizenDocument) error {
	for _, d := range docs {
		d.DossierID, d.Kind = dossierID, "document"
		b, _ := json.Marshal(d)
		if err := s.objects.Create("citizen-documents/"+key+"/"+safe(dossierID)+"-"+d.SHA256+"-"+safe(d.Code)+".json", b); err != nil {
			return fmt.Errorf("index document: %w", err)
		}
	}
	return nil
}

// CitizenDocuments lists the papers and signed results of the citizen with
// the given ID number, oldest dossier first.
func (s *Store) CitizenDocuments(idNumber string) ([]CitizenDocument, error) {
	out, err := readJSON[CitizenDocument](s.objects, "citizen-documents/"+s.CitizenKey(idNumber)+"/")
	if err != nil {
		return nil, err
	}
	results, err := s.ByCitizen(idNumber)
	if err != nil {
		return nil, err
	}
	for _, r := range results {
		_, versions, err := s.Current(r.DossierID)
		if err != nil {
			return nil, err
		}
		sum := versions[len(versions)-1]
		b, err := s.Get(sum)
		if err != nil {
			return nil, err
		}
		out = append(out, CitizenDocument{DossierID: r.DossierID, Kind: "result", Name: "ket-qua-" + r.DossierID + ".pdf",
			ContentType: "application/pdf", SHA256: sum, Size: int64(len(b))})
	}
	slices.SortStableFunc(out, func(a, b CitizenDocument) int { return strings.Compare(a.DossierID, b.DossierID) })
	return out, nil
}

// CitizenDocument returns the citizen's paper or result with the given
// SHA-256, and whether they have one.
func (s *Store) CitizenDocument(idNumber, sum string) (CitizenDocument, bool, error) {
	docs, err := s.CitizenDocuments(idNumber)
	if err != nil {
		return CitizenDocument{}, false, err
	}
	for _, d := range docs {
		if d.SHA256 == sum {
			return d, true, nil
		}
	}
	return CitizenDocument{}, false, nil
}

// Access is one look-up of a citizen's papers.
type Access struct {
	At      time.Time `json:"at"`
	User    string    `json:"user"`
	Role    string    `json:"role"`
	Citizen string    `json:"citizen"` // the keyed hash of the ID number
	Reason  string    `json:"reason"`
	Found   int       `json:"found"`
}

// LogAccess records a look-up in the access log, durably before the
// answer goes out: one write-once object per look-up, named by its time so
// the log reads in order.
func (s *Store) LogAccess(a Access) error {
	var r [6]byte
	if _, err := rand.Read(r[:]); err != nil {
		return err
	}
	b, err := json.Marshal(a)
	if err != nil {
		return err
	}
	return s.objects.Create("access/"+a.At.UTC().Format("20060102T150405.000000000Z")+"-"+hex.EncodeToString(r[:])+".json", b)
}

// AccessLog returns every look-up, oldest first: the lines of the single
// log file archives kept before, then the log's objects.
func (s *Store) AccessLog() ([]Access, error) {
	var out []Access
	old, err := s.objects.Read("access-log.jsonl")
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	for line := range strings.Lines(string(old)) {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var a Access
		if err := json.Unmarshal([]byte(line), &a); err != nil {
			return nil, fmt.Errorf("access-log.jsonl: %w", err)
		}
		out = append(out, a)
	}
	logged, err := readJSON[Access](s.objects, "access/")
	if err != nil {
		return nil, err
	}
	return append(out, logged...), nil
}
