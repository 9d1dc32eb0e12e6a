// Package accounts is the users file: who may use motcua, in which role,
// with the SHA-256 of their bearer token and the bcrypt hash of their
// password, and the leaders' registered certificates. The API
// authenticates against it; the worker reads the staff to remind.
package accounts

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"golang.org/x/crypto/bcrypt"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/internal/archive"
	"github.com/motcua/motcua/internal/fileonce"
)

// UserRecord is a user as the users file lists them. A leader who signs on
// their own token may register its certificates (SHA-256 of each, hex);
// without them, a certificate belongs to the leader when its subject's
// common name is their full name.
type UserRecord struct {
	motcua.User
	TokenSHA256 string `json:"token_sha256"`
	// PasswordHash is the bcrypt hash of the password a person signs in
	// to the pages with (the username is the id); empty for systems.
	PasswordHash      string   `json:"password_hash,omitempty"`
	CertificateSHA256 []string `json:"certificate_sha256,omitempty"`
	// Email and Phone reach the person with deadline reminders.
	Email string `json:"email,omitempty"`
	Phone string `json:"phone,omitempty"`
	// SignatureImage is a leader's handwritten signature, a PNG file with
	// a transparent background (its path, from the users file's folder),
	// drawn where they sign (Nghị định 30/2020/NĐ-CP, Phụ lục I).
	SignatureImage string `json:"signature_image,omitempty"`
}

// Users authenticates bearer tokens. Only the SHA-256 of each token is kept.
type Users struct {
	byHash    map[string]motcua.User
	list      []motcua.User
	certs     map[string][]string // user id -> registered certificate SHA-256
	passwords map[string][]byte   // user id -> bcrypt hash
	staff     []motcua.StaffContact
	images    map[string][]byte // user id -> handwritten signature (PNG)
}

// NewUsers indexes records, checking roles and hashes.
func NewUsers(records []UserRecord) (*Users, error) {
	u := &Users{byHash: map[string]motcua.User{}, certs: map[string][]string{}, passwords: map[string][]byte{}, images: map[string][]byte{}}
	for i, r := range records {
		if r.ID == "" || !r.Role.Valid() {
			return nil, fmt.Errorf("user %d: needs an id and one of the roles %v", i+1, motcua.Roles)
		}
		if why := motcua.TextProblem(r.ID+" "+r.Name, false); why != "" {
			return nil, fmt.Errorf("user %d: id or name: %s (they are printed on documents)", i+1, why)
		}
		if r.TokenSHA256 == "change-me" || r.TokenSHA256 == "" {
			return nil, fmt.Errorf("user %s has no token yet: give them one with `motcua users add --file FILE --id %s --name NAME --role %s`", r.ID, r.ID, r.Role)
		}
		h, err := hex.DecodeString(r.TokenSHA256)
		if err != nil || len(h) != sha256.Size {
			return nil, fmt.Errorf("user %s: token_sha256 must be 64 hex digits", r.ID)
		}
		if empty := sha256.Sum256(nil); bytes.Equal(h, empty[:]) {
			return nil, fmt.Errorf("user %s: token_sha256 is the hash of an empty token", r.ID)
		}
		if r.PasswordHash != "" {
			if _, err := bcrypt.Cost([]byte(r.PasswordHash)); err != nil {
				return nil, fmt.Errorf("user %s: password_hash is not a bcrypt hash: %v", r.ID, err)
			}
			u.passwords[r.ID] = []byte(r.PasswordHash)
		}
		u.byHash[hex.EncodeToString(h)] = r.User
		u.list = append(u.list, r.User)
		if r.Email != "" || r.Phone != "" {
			if why := motcua.TextProblem(r.Email+r.Phone, false); why != "" {
				return nil, fmt.Errorf("user %s: email or phone: %s", r.ID, why)
			}
			u.staff = append(u.staff, motcua.StaffContact{User: r.User, Email: r.Email, Phone: r.Phone})
		}
		for _, c := range r.CertificateSHA256 {
			u.certs[r.ID] = append(u.certs[r.ID], strings.ToLower(c))
		}
	}
	return u, nil
}

// LoadUsers reads a users file: {"users":[{"id","name","role","token_sha256"}]},
// and the signature images it names.
func LoadUsers(path string) (*Users, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read users: %w", err)
	}
	var f struct {
		Users []UserRecord `json:"users"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("users file %s: %w", path, err)
	}
	u, err := NewUsers(f.Users)
	if err != nil {
		return nil, err
	}
	for _, r := range f.Users {
		if r.SignatureImage == "" {
			continue
		}
		img := r.SignatureImage
		if !filepath.IsAbs(img) {
			img = filepath.Join(filepath.Dir(path), img)
		}
		b, err := os.ReadFile(img)
		if err != nil {
			return nil, fmt.Errorf("user %s: signature_image: %w", r.ID, err)
		}
		if _, err := png.DecodeConfig(bytes.NewReader(b)); err != nil {
			return nil, fmt.Errorf("user %s: signature_image %s is not a PNG: %v", r.ID, r.SignatureImage, err)
		}
		u.images[r.ID] = b
	}
	return u, nil
}

// SignatureImage is the user's registered handwritten signature (PNG),
// nil when none is.
func (u *Users) SignatureImage(id string) []byte { return u.images[id] }

// Staff are the users with an email or phone, for deadline reminders.
func (u *Users) Staff() []motcua.StaffContact { return append([]motcua.StaffContact(nil), u.staff...) }

// Authenticate returns the user holding token.
func (u *Users) Authenticate(token string) (motcua.User, bool) {
	// The map is keyed by the token's hash, so a lookup reveals nothing
	// about the token through its timing.
	sum := sha256.Sum256([]byte(token))
	user, ok := u.byHash[hex.EncodeToString(sum[:])]
	return user, ok
}

// SignIn returns the user whose id is username when password is theirs.
// An unknown username costs the same time as a wrong password.
func (u *Users) SignIn(username, password string) (motcua.User, bool) {
	hash, ok := u.passwords[username]
	if !ok {
		hash = decoyHash()
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(password)) != nil || !ok {
		return motcua.User{}, false
	}
	for _, user := range u.list {
		if user.ID == username {
			return user, true
		}
	}
	return motcua.User{}, false
}

// decoyHash is compared against when the username is unknown.
var decoyHash = sync.OnceValue(func() []byte {
	h, _ := bcrypt.GenerateFromPassword([]byte("no such user"), bcrypt.DefaultCost)
	return h
}) // made on first use: every command of the binary would pay ~50 ms at start otherwise

// NewPassword returns a fresh random password and its bcrypt hash.
func NewPassword() (password, hash string, err error) {
	b := make([]byte, 9)
	if _, err := rand.Read(b); err != nil {
		return "", "", err
	}
	password = base64.RawURLEncoding.EncodeToString(b)
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	return password, string(h), err
}

// Owns reports whether the certificate (DER) belongs to the user: one of
// the certificates registered for them, or, when they registered none, one
// whose subject's common name is their full name. A leader cannot sign
// with another's certificate.
func (u *Users) Owns(user motcua.User, cert *x509.Certificate) bool {
	if reg := u.certs[user.ID]; len(reg) > 0 {
		return slices.Contains(reg, archive.Sum(cert.Raw))
	}
	return cert.Subject.CommonName == user.Name
}

// All lists the users.
func (u *Users) All() []motcua.User { return append([]motcua.User(nil), u.list...) }

// DevUsers are the demo users of `motcua dev`, one per role.
var DevUsers = []motcua.User{
	{ID: "clerk1", Name: "Trần Thị Mai", Role: motcua.RoleClerk},
	{ID: "specialist1", Name: "Lê Quang Huy", Role: motcua.RoleSpecialist},
	{ID: "chairman1", Name: "Nguyễn Văn Vĩnh", Role: motcua.RoleChairman},
	{ID: "vice1", Name: "Phạm Thị Hương", Role: motcua.RoleViceChairman},
	{ID: "vanthu1", Name: "Hoàng Thị Lan", Role: motcua.RoleRecordsOfficer},
	{ID: "auditor1", Name: "Đỗ Minh Tuấn", Role: motcua.RoleAuditor},
	{ID: "system1", Name: "Hệ thống một cửa tỉnh", Role: motcua.RoleSystem},
}

// NewToken returns a fresh random token for a user of the given role, and
// the SHA-256 the users file keeps of it.
func NewToken(role motcua.Role) (token, sha string, err error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", "", err
	}
	token = string(role) + "-" + hex.EncodeToString(b)
	sum := sha256.Sum256([]byte(token))
	return token, hex.EncodeToString(sum[:]), nil
}

// AddUser writes a user into the users file at path (creating it; a user
// with the same id is replaced) with a fresh token and password, and
// returns them: the file keeps only their hashes. The file must load
// afterwards.
func AddUser(path string, user motcua.User, certificates []string) (token, password string, err error) {
	var f struct {
		Users []UserRecord `json:"users"`
	}
	if b, err := os.ReadFile(path); err == nil {
		if err := json.Unmarshal(b, &f); err != nil {
			return "", "", fmt.Errorf("users file %s: %w", path, err)
		}
	} else if !os.IsNotExist(err) {
		return "", "", err
	}
	token, sha, err := NewToken(user.Role)
	if err != nil {
		return "", "", err
	}
	password, hash, err := NewPassword()
	if err != nil {
		return "", "", err
	}
	rec := UserRecord{User: user, TokenSHA256: sha, PasswordHash: hash, CertificateSHA256: certificates}
	f.Users = slices.DeleteFunc(f.Users, func(r UserRecord) bool { return r.ID == user.ID })
	f.Users = append(f.Users, rec)
	if _, err := NewUsers([]UserRecord{rec}); err != nil {
		return "", "", err
	}
	b, _ := json.MarshalIndent(f, "", "  ")
	return token, password, fileonce.Replace(path, append(b, '\n'))
}

// DevLogin is a demo user's sign-in for the pages.
type DevLogin struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// LoadOrCreateDevUsers reads the demo tokens from tokensPath
// ({"role":"TOKEN"}) and passwords from passwordsPath ({"role":{"username",
// "password"}}), creating random ones on first start, and returns the
// users, tokens and passwords.
func LoadOrCreateDevUsers(tokensPath, passwordsPath string) (*Users, map[motcua.Role]string, map[motcua.Role]DevLogin, error) {
	tokens := map[motcua.Role]string{}
	logins := map[motcua.Role]DevLogin{}
	for path, v := range map[string]any{tokensPath: &tokens, passwordsPath: &logins} {
		if b, err := os.ReadFile(path); err == nil {
			if err := json.Unmarshal(b, v); err != nil {
				return nil, nil, nil, fmt.Errorf("%s: %w", path, err)
			}
		} else if !os.IsNotExist(err) {
			return nil, nil, nil, err
		}
	}
	changed := false
	var recs []UserRecord
	for _, user := range DevUsers {
		tok, ok := tokens[user.Role]
		if !ok {
			var err error
			if tok, _, err = NewToken(user.Role); err != nil {
				return nil, nil, nil, err
			}
			tokens[user.Role] = tok
			changed = true
		}
		sum := sha256.Sum256([]byte(tok))
		rec := UserRecord{User: user, TokenSHA256: hex.EncodeToString(sum[:]), Email: user.ID + "@motcua.invalid"}
		if user.Role != motcua.RoleSystem { // a system has no one to sign in
			login, ok := logins[user.Role]
			if !ok || login.Username != user.ID {
				pw, _, err := NewPassword()
				if err != nil {
					return nil, nil, nil, err
				}
				login = DevLogin{Username: user.ID, Password: pw}
				logins[user.Role] = login
				changed = true
			}
			h, err := bcrypt.GenerateFromPassword([]byte(login.Password), bcrypt.MinCost) // demo passwords, known anyway
			if err != nil {
				return nil, nil, nil, err
			}
			rec.PasswordHash = string(h)
		}
		recs = append(recs, rec)
	}
	if changed {
		for path, v := range map[string]any{tokensPath: tokens, passwordsPath: logins} {
			b, _ := json.MarshalIndent(v, "", "  ")
			if err := os.WriteFile(path, append(b, '\n'), 0o600); err != nil {
				return nil, nil, nil, fmt.Errorf("write %s: %w", path, err)
			}
		}
	}
	users, err := NewUsers(recs)
	return users, tokens, logins, err
}
