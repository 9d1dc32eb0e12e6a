package accounts_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/internal/accounts"
	"github.com/motcua/motcua/signer/signertest"
)

// FuzzLoadUsers: whatever the users file holds, loading it fails with an
// error or gives users who each have an id and a known role, and no empty
// token signs anyone in.
func FuzzLoadUsers(f *testing.F) {
	f.Add([]byte(`{"users":[{"id":"u1","name":"Nguyễn Văn Vĩnh","role":"chairman","token_sha256":"` + sum([]byte("t")) + `"}]}`))
	f.Add([]byte(`{"users":[{"id":"","role":"god","token_sha256":"zz"}]}`))
	f.Add([]byte(`{"users":null}`))
	f.Add([]byte(`[`))
	f.Fuzz(func(t *testing.T, b []byte) {
		path := filepath.Join(t.TempDir(), "users.json")
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		users, err := accounts.LoadUsers(path)
		if err != nil {
			return
		}
		for _, u := range users.All() {
			if u.ID == "" || !u.Role.Valid() {
				t.Fatalf("loaded a user without an id or a known role: %+v", u)
			}
		}
		if u, ok := users.Authenticate(""); ok {
			t.Fatalf("the empty token signed in %+v", u)
		}
	})
}

// A leader's registered certificates are theirs alone; without a
// registration, the certificate's common name must be their full name.
func TestUsersOwnTheirCertificates(t *testing.T) {
	ca := signertest.CA(t)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	mine, _ := ca.CA.Certify("NGUYEN VAN VINH", key.Public()) // a commercial CA's spelling
	theirs, _ := ca.CA.Certify("Phạm Thị Hương", key.Public())
	users, err := accounts.NewUsers([]accounts.UserRecord{
		{User: motcua.User{ID: "chairman1", Name: "Nguyễn Văn Vĩnh", Role: motcua.RoleChairman}, TokenSHA256: sum([]byte("a")), CertificateSHA256: []string{sum(mine.Raw)}},
		{User: motcua.User{ID: "vice1", Name: "Phạm Thị Hương", Role: motcua.RoleViceChairman}, TokenSHA256: sum([]byte("b"))},
	})
	if err != nil {
		t.Fatal(err)
	}
	chairman, _ := users.Authenticate("a")
	vice, _ := users.Authenticate("b")
	for _, c := range []struct {
		user motcua.User
		cert *x509.Certificate
		want bool
	}{{chairman, mine, true}, {chairman, theirs, false}, {vice, theirs, true}, {vice, mine, false}} {
		if got := users.Owns(c.user, c.cert); got != c.want {
			t.Errorf("%s owns %q: %v, want %v", c.user.ID, c.cert.Subject.CommonName, got, c.want)
		}
	}
}

// A person signs in with their id and password; the file keeps a bcrypt
// hash; a wrong password or an unknown name gets nothing.
func TestPasswordsSignIn(t *testing.T) {
	path := filepath.Join(t.TempDir(), "users.json")
	_, password, err := accounts.AddUser(path, motcua.User{ID: "chairman1", Name: "Nguyễn Văn Vĩnh", Role: motcua.RoleChairman}, nil)
	if err != nil {
		t.Fatal(err)
	}
	users, err := accounts.LoadUsers(path)
	if err != nil {
		t.Fatal(err)
	}
	if u, ok := users.SignIn("chairman1", password); !ok || u.Role != motcua.RoleChairman {
		t.Fatalf("sign-in: %v %v", u, ok)
	}
	for _, bad := range [][2]string{{"chairman1", password + "x"}, {"nobody", password}, {"chairman1", ""}} {
		if _, ok := users.SignIn(bad[0], bad[1]); ok {
			t.Errorf("signed in with %q", bad)
		}
	}
	b, _ := os.ReadFile(path)
	if strings.Contains(string(b), password) {
		t.Error("the file holds the password")
	}
}

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
