package credentials

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
)

// maxFileBytes caps the profile file and the ID token file.
const maxFileBytes = 64 << 10

// profileKeys are the keys of a [basic] section; any other is an error, so
// a typo ("secret_key") is not silently ignored.
var profileKeys = []string{"ak", "sk", "security_token", "project_id", "domain_id", "iam_endpoint", "idp_id", "id_token_file"}

// readSmall reads a file of at most maxFileBytes; errors name the file
// (an *fs.PathError; fs.ErrNotExist when there is none) and never quote its content.
func readSmall(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileBytes+1))
	if err == nil && len(data) > maxFileBytes {
		err = &fs.PathError{Op: "read", Path: path, Err: fmt.Errorf("larger than %d KiB", maxFileBytes>>10)}
	}
	return data, err
}

// readProfile reads the [basic] section of the profile file at path (the
// section Huawei's SDKs read for regional services such as DRS), in
// the INI subset of Huawei's credentials file: [section] headers, key = value
// lines, blank lines and comments starting with # or ;. Errors name the file
// and line and never quote a value.
func readProfile(path string) (map[string]string, error) {
	data, err := readSmall(path)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	section := ""
	for i, line := range strings.Split(strings.TrimPrefix(string(data), "\uFEFF"), "\n") {
		n, line := i+1, strings.TrimSpace(line)
		bad := func(reason string) error { return fmt.Errorf("%s:%d: %s", path, n, reason) }
		switch {
		case line == "" || line[0] == '#' || line[0] == ';':
			continue
		case line[0] == '[':
			if !strings.HasSuffix(line, "]") {
				return nil, bad("a section header must end with ]")
			}
			section = strings.ToLower(strings.TrimSpace(line[1 : len(line)-1]))
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		key = strings.TrimSpace(key)
		if !ok || key == "" || strings.ContainsFunc(key, func(r rune) bool { return !isWordRune(r) }) {
			// The line may hold a secret: it is never quoted.
			return nil, bad("expected key = value, a [section] or a comment")
		}
		if section != "basic" {
			continue // [global] and others are for other services
		}
		key = strings.ToLower(key)
		if !slices.Contains(profileKeys, key) {
			return nil, bad(fmt.Sprintf("unknown key %q in [basic]; known keys: %s", clip(key, 40), strings.Join(profileKeys, ", ")))
		}
		if _, dup := out[key]; dup {
			return nil, bad(fmt.Sprintf("%s is set twice in [basic]", key))
		}
		out[key] = strings.TrimSpace(value)
	}
	return out, nil
}

func isWordRune(r rune) bool {
	return r == '_' || r == '-' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')
}
