package archive

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/motcua/motcua/jsonl"
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
	if err := os.MkdirAll(filepath.Join(s.dir, "dossier-citizen"), 0o700); err != nil {
		return err
	}
	if err := writeOnce(s.dir, filepath.Join(s.dir, "dossier-citizen", safe(dossierID)), []byte(key)); err != nil {
		return fmt.Errorf("index dossier %s: %w", dossierID, err)
	}
	return s.index(key, dossierID, docs)
}

// IndexDossierDocuments indexes papers added to a dossier already indexed
// under its citizen.
func (s *Store) IndexDossierDocuments(dossierID string, docs []CitizenDocument) error {
	key, err := os.ReadFile(filepath.Join(s.dir, "dossier-citizen", safe(dossierID)))
	if errors.Is(err, fs.ErrNotExist) {
		return nil // taken in before papers were indexed
	}
	if err != nil {
		return err
	}
	return s.index(string(key), dossierID, docs)
}

func (s *Store) index(key, dossierID string, docs []CitizenDocument) error {
	dir := filepath.Join(s.dir, "citizen-documents", key)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	for _, d := range docs {
		d.DossierID, d.Kind = dossierID, "document"
		b, _ := json.Marshal(d)
		if err := writeOnce(s.dir, filepath.Join(dir, safe(dossierID)+"-"+d.SHA256+"-"+safe(d.Code)+".json"), b); err != nil {
			return fmt.Errorf("index document: %w", err)
		}
	}
	return nil
}

// CitizenDocuments lists the papers and signed results of the citizen with
// the given ID number, oldest dossier first.
func (s *Store) CitizenDocuments(idNumber string) ([]CitizenDocument, error) {
	out, err := readJSONFiles[CitizenDocument](filepath.Join(s.dir, "citizen-documents", s.CitizenKey(idNumber)))
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

// LogAccess appends a look-up to the access log, synced before the answer
// goes out.
func (s *Store) LogAccess(a Access) error {
	return jsonl.Append(filepath.Join(s.dir, "access-log.jsonl"), a)
}

// AccessLog returns every look-up, oldest first.
func (s *Store) AccessLog() ([]Access, error) {
	return jsonl.Read[Access](filepath.Join(s.dir, "access-log.jsonl"))
}
