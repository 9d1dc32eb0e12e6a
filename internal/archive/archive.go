// Package archive is motcua's write-once, content-addressed store: every
// document and signed result is kept under its SHA-256, never overwritten,
// with index records that find a dossier's result and a citizen's results.
package archive

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"
	"time"
)

// ErrNotFound is returned for a blob or record that is not stored.
var ErrNotFound = errors.New("not in the archive")

// ErrConflict is returned when a write-once record exists with other content.
var ErrConflict = errors.New("archive record exists with different content")

// Store is an archive on its objects: a folder, or a shared bucket.
type Store struct {
	objects    Objects
	citizenKey []byte
}

// Open opens (creating if needed) the archive in the folder dir. Citizens
// are indexed by a keyed hash of their ID number, so the index holds no ID
// in clear; the key is created in dir on first use.
func Open(dir string) (*Store, error) {
	objects, err := NewFolder(dir)
	if err != nil {
		return nil, err
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return nil, err
	}
	if err := objects.Create("citizen-index.key", []byte(hex.EncodeToString(secret))); err != nil && !errors.Is(err, ErrConflict) {
		return nil, err
	}
	key, err := objects.Read("citizen-index.key") // ours, or the first one made
	if err != nil {
		return nil, err
	}
	raw, err := hex.DecodeString(strings.TrimSpace(string(key)))
	if err != nil {
		return nil, fmt.Errorf("citizen index key: %w", err)
	}
	return New(objects, raw)
}

// OpenWithKey opens the archive in the folder dir with the citizen index
// key given (from a keys folder or the environment) instead of the one in
// dir.
func OpenWithKey(dir string, citizenKey []byte) (*Store, error) {
	objects, err := NewFolder(dir)
	if err != nil {
		return nil, err
	}
	return New(objects, citizenKey)
}

// New returns the archive kept in objects, its citizen index keyed by
// citizenKey. Staged copies left by writers cut long ago are cleaned up.
func New(objects Objects, citizenKey []byte) (*Store, error) {
	if len(citizenKey) < 16 {
		return nil, fmt.Errorf("citizen index key: at least 16 bytes")
	}
	s := &Store{objects: objects, citizenKey: citizenKey}
	if err := s.sweep(time.Now().Add(-staleAfter)); err != nil {
		return nil, fmt.Errorf("clean the archive's staging area: %w", err)
	}
	return s, nil
}

// Sum is the hex SHA-256 of b, the name a blob is stored under.
func Sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func blobName(sum string) (string, error) {
	if len(sum) != 64 {
		return "", fmt.Errorf("bad sha256 %q", sum)
	}
	if _, err := hex.DecodeString(sum); err != nil {
		return "", fmt.Errorf("bad sha256 %q", sum)
	}
	return "blobs/" + sum[:2] + "/" + sum, nil
}

// Put stores b and returns its SHA-256. Storing the same bytes again is a
// no-op.
func (s *Store) Put(b []byte) (string, error) {
	sum := Sum(b)
	name, _ := blobName(sum)
	if err := s.objects.Create(name, b); err != nil {
		return "", fmt.Errorf("store blob %s: %w", sum[:12], err)
	}
	return sum, nil
}

// Get returns the blob with the given SHA-256, checking that its content
// still has that hash.
func (s *Store) Get(sum string) ([]byte, error) {
	name, err := blobName(sum)
	if err != nil {
		return nil, err
	}
	b, err := s.objects.Read(name)
	if err != nil {
		return nil, err
	}
	if Sum(b) != sum {
		return nil, fmt.Errorf("blob %s was altered in the archive", sum[:12])
	}
	return b, nil
}

// Record indexes an archived result.
type Record struct {
	ArchiveID     string    `json:"archive_id"`
	DossierID     string    `json:"dossier_id"`
	ProcedureCode string    `json:"procedure_code"`
	SHA256        string    `json:"sha256"`
	Size          int       `json:"size"`
	SignedBy      string    `json:"signed_by"`
	SignedAt      time.Time `json:"signed_at"`
	// Citizen is the keyed hash of the applicant's ID number.
	Citizen string `json:"citizen"`
}

// ArchiveID is the archive's name for a dossier's result.
func ArchiveID(dossierID string) string { return "KQ-" + dossierID }

// CitizenKey is the index key of an ID number.
func (s *Store) CitizenKey(idNumber string) string {
	m := hmac.New(sha256.New, s.citizenKey)
	m.Write([]byte(idNumber))
	return hex.EncodeToString(m.Sum(nil))
}

// Archive stores a signed result and indexes it by dossier and by citizen.
// Archiving the same result again returns the same record; a different
// result for an archived dossier is refused (ErrConflict).
func (s *Store) Archive(result []byte, rec Record, idNumber string) (Record, error) {
	if had, err := s.Lookup(rec.DossierID); err == nil && had.SHA256 != Sum(result) {
		return Record{}, fmt.Errorf("index dossier %s: %w", rec.DossierID, ErrConflict) // and store no blob nothing refers to
	}
	sum, err := s.Put(result)
	if err != nil {
		return Record{}, err
	}
	rec.SHA256, rec.Size = sum, len(result)
	rec.ArchiveID = ArchiveID(rec.DossierID)
	rec.Citizen = s.CitizenKey(idNumber)
	rec.SignedAt = rec.SignedAt.UTC()
	b, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return Record{}, err
	}
	if err := s.objects.Create(recordName(rec.DossierID), b); err != nil {
		return Record{}, fmt.Errorf("index dossier %s: %w", rec.DossierID, err)
	}
	if err := s.objects.Create("citizens/"+rec.Citizen+"/"+safe(rec.DossierID)+".json", b); err != nil {
		return Record{}, fmt.Errorf("index citizen: %w", err)
	}
	return rec, nil
}

func recordName(dossierID string) string { return "dossiers/" + safe(dossierID) + ".json" }

// Lookup returns the record of a dossier's archived result.
func (s *Store) Lookup(dossierID string) (Record, error) {
	b, err := s.objects.Read(recordName(dossierID))
	if err != nil {
		return Record{}, err
	}
	var r Record
	return r, json.Unmarshal(b, &r)
}

// ByCitizen returns every archived result of the citizen with the given ID
// number, oldest first, so digitized results can be found and reused.
func (s *Store) ByCitizen(idNumber string) ([]Record, error) {
	out, err := readJSON[Record](s.objects, "citizens/"+s.CitizenKey(idNumber)+"/")
	if err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].SignedAt.Before(out[j].SignedAt) })
	return out, nil
}

// readJSON reads every object under prefix as a JSON T, in name order.
func readJSON[T any](objects Objects, prefix string) ([]T, error) {
	list, err := objects.List(prefix)
	if err != nil {
		return nil, err
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
	var out []T
	for _, o := range list {
		b, err := objects.Read(o.Name)
		if err != nil {
			return nil, err
		}
		var v T
		if err := json.Unmarshal(b, &v); err != nil {
			return nil, fmt.Errorf("%s: %w", o.Name, err)
		}
		out = append(out, v)
	}
	return out, nil
}

func safe(id string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == 0 {
			return '_'
		}
		return r
	}, id)
}

// SetRef records, write-once, that name refers to the blob sum, and returns
// the blob the name refers to: sum, or the one recorded first.
func (s *Store) SetRef(name, sum string) (string, error) {
	err := s.objects.Create("refs/"+safe(name), []byte(sum))
	if errors.Is(err, ErrConflict) {
		return s.Ref(name)
	}
	return sum, err
}

// PutRef stores b as the blob name refers to, write-once, and returns the
// blob the name refers to: b's, or the one stored first. It is for content
// made anew on every attempt (a signature carries its time): the bytes are
// staged, the reference is set, and only then is the blob filed, so a crash
// at any point leaves no unreferenced blob and a retry finds either nothing
// or the first attempt's blob. Each attempt stages its own copy, so an
// attempt that outlived its timeout cannot spoil the winner's.
func (s *Store) PutRef(name string, b []byte) (string, error) {
	if sum, err := s.Ref(name); !errors.Is(err, ErrNotFound) {
		return sum, err
	}
	stage, err := s.stage(name, b)
	if err != nil {
		return "", fmt.Errorf("stage %s: %w", name, err)
	}
	sum, err := s.SetRef(name, Sum(b))
	if err != nil {
		return "", err
	}
	if sum != Sum(b) { // another attempt won: its blob is the one
		s.objects.Delete(stage)
		return s.Ref(name)
	}
	return sum, s.fileStaged(name, sum)
}

// Ref returns the blob a name refers to, or ErrNotFound. A blob PutRef
// staged but had not filed when it was cut is filed now.
func (s *Store) Ref(name string) (string, error) {
	b, err := s.objects.Read("refs/" + safe(name))
	if err != nil {
		return "", err
	}
	sum := string(b)
	blob, err := blobName(sum)
	if err != nil {
		return "", fmt.Errorf("ref %s: %w", name, err)
	}
	if filed, err := s.objects.Exists(blob); err != nil {
		return "", err
	} else if !filed {
		return sum, s.fileStaged(name, sum)
	}
	return sum, nil
}

// stagePrefix starts the names of the staged copies for name.
func stagePrefix(name string) string { return "tmp/ref-" + hex.EncodeToString([]byte(name)) + "-" }

// stage writes b as a staged copy for name and returns its object name.
func (s *Store) stage(name string, b []byte) (string, error) {
	var r [8]byte
	if _, err := rand.Read(r[:]); err != nil {
		return "", err
	}
	stage := stagePrefix(name) + hex.EncodeToString(r[:])
	return stage, s.objects.Create(stage, b)
}

// fileStaged files the staged copy for name that hashes to sum, unless
// another attempt filed it already.
func (s *Store) fileStaged(name, sum string) error {
	blob, err := blobName(sum)
	if err != nil {
		return err
	}
	if filed, err := s.objects.Exists(blob); err != nil || filed {
		return err
	}
	staged, err := s.objects.List(stagePrefix(name))
	if err != nil {
		return err
	}
	for _, o := range staged {
		b, err := s.objects.Read(o.Name)
		if err != nil || Sum(b) != sum {
			continue
		}
		if _, err := s.Put(b); err != nil {
			return err
		}
		return s.objects.Delete(o.Name)
	}
	return fmt.Errorf("blob %s of %s: %w (no staged copy)", sum[:12], name, ErrNotFound)
}

// staleAfter is the age after which a staged or temporary copy is known to
// be left over by a writer that was cut: writes take milliseconds.
const staleAfter = 10 * time.Minute

// sweep removes the staged copies of writers cut before cutoff; a copy
// staged for a reference that was set is filed first.
func (s *Store) sweep(cutoff time.Time) error {
	list, err := s.objects.List("tmp/")
	if err != nil {
		return err
	}
	for _, o := range list {
		if o.Modified.After(cutoff) {
			continue
		}
		if rest, ok := strings.CutPrefix(o.Name, "tmp/ref-"); ok {
			if i := strings.LastIndexByte(rest, '-'); i > 0 {
				if name, err := hex.DecodeString(rest[:i]); err == nil {
					s.Ref(string(name)) // files the reference's copy if it is still staged
				}
			}
		}
		if err := s.objects.Delete(o.Name); err != nil {
			return err
		}
	}
	return nil
}

// Files lists what the archive holds, for audits: the SHA-256 of every
// blob, the dossier of every archived record, and every reference with its
// blob.
func (s *Store) Files() (blobs, records []string, refs map[string]string, err error) {
	list, err := s.objects.List("blobs/")
	if err != nil {
		return nil, nil, nil, err
	}
	for _, o := range list {
		blobs = append(blobs, path.Base(o.Name))
	}
	if list, err = s.objects.List("dossiers/"); err != nil {
		return nil, nil, nil, err
	}
	for _, o := range list {
		records = append(records, strings.TrimSuffix(path.Base(o.Name), ".json"))
	}
	if list, err = s.objects.List("refs/"); err != nil {
		return nil, nil, nil, err
	}
	refs = map[string]string{}
	for _, o := range list {
		b, err := s.objects.Read(o.Name)
		if err != nil {
			return nil, nil, nil, err
		}
		refs[path.Base(o.Name)] = string(b)
	}
	sort.Strings(blobs)
	sort.Strings(records)
	return blobs, records, refs, nil
}

// renewalRef names the reference from a version of a dossier's archived
// result to the version that renewed it.
func renewalRef(dossierID, from string) string { return "renewal-" + dossierID + "-" + from }

// Renew stores b as the version that renews the version from of a
// dossier's archived result (a new document timestamp over it), write-once:
// a second attempt at the same renewal gets the first one's blob. Earlier
// versions stay; Current follows the chain.
func (s *Store) Renew(dossierID, from string, b []byte) (string, error) {
	if _, err := s.Lookup(dossierID); err != nil {
		return "", fmt.Errorf("renew the result of %s: %w", dossierID, err)
	}
	return s.PutRef(renewalRef(dossierID, from), b)
}

// Current returns a dossier's archive record and the versions of its
// result, oldest first: the one archived, then each renewal. The last is
// the one to serve and to verify.
func (s *Store) Current(dossierID string) (Record, []string, error) {
	rec, err := s.Lookup(dossierID)
	if err != nil {
		return Record{}, nil, err
	}
	versions := []string{rec.SHA256}
	for len(versions) < 1000 {
		next, err := s.Ref(renewalRef(dossierID, versions[len(versions)-1]))
		if errors.Is(err, ErrNotFound) {
			break
		}
		if err != nil {
			return Record{}, nil, err
		}
		versions = append(versions, next)
	}
	return rec, versions, nil
}
