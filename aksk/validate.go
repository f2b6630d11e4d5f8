package aksk

// Validate reports whether the credentials can sign: an access key and a
// secret key, the access key printable without white space or commas, the
// security token free of control characters. Messages never include the
// values; errors.Is(err, ErrInvalidCredentials) holds.
func (c Credentials) Validate() error { return c.validate() }
