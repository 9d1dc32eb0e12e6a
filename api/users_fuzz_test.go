package api_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/motcua/motcua/api"
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
		users, err := api.LoadUsers(path)
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
