package drs

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// regionEndpointExceptions lists the regions not served under
// myhuaweicloud.com.
var regionEndpointExceptions = map[string]string{
	"eu-west-101": "https://drs.eu-west-101.myhuaweicloud.eu",
}

// RegionEndpoint returns the DRS endpoint of a Huawei Cloud region:
// https://drs.{region}.myhuaweicloud.com, except eu-west-101, which is served at
// https://drs.eu-west-101.myhuaweicloud.eu. The region must look like a region
// ID ("cn-north-4", "ap-southeast-1"): lower-case letters and digits in parts
// joined by hyphens.
func RegionEndpoint(region string) (string, error) {
	if err := checkRegion(region); err != nil {
		return "", err
	}
	if ep, ok := regionEndpointExceptions[region]; ok {
		return ep, nil
	}
	return "https://drs." + region + ".myhuaweicloud.com", nil
}

func checkRegion(region string) error {
	if region == "" {
		return errors.New("the region is empty; use a region ID such as \"cn-north-4\"")
	}
	if len(region) > 64 {
		return errors.New("the region is longer than 64 characters; use a region ID such as \"cn-north-4\"")
	}
	parts := strings.Split(region, "-")
	ok := len(parts) >= 2
	for _, p := range parts {
		if p == "" {
			ok = false
		}
		for i := 0; i < len(p); i++ {
			if c := p[i]; (c < 'a' || c > 'z') && (c < '0' || c > '9') {
				ok = false
			}
		}
	}
	if !ok {
		return fmt.Errorf("%q is not a region ID; use one such as \"cn-north-4\" or \"ap-southeast-1\" (or drs.WithEndpoint for a URL)", region)
	}
	return nil
}

// parseEndpoint checks an explicit endpoint URL and returns it normalised
// (without a trailing slash). Error messages never echo user information or
// query strings, which could carry secrets.
func parseEndpoint(raw string) (string, error) {
	if raw == "" {
		return "", errors.New("the endpoint is empty; use a URL such as https://drs.cn-north-4.myhuaweicloud.com")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" || u.Opaque != "" {
		return "", errors.New("the endpoint is not an absolute URL; use one such as https://drs.cn-north-4.myhuaweicloud.com")
	}
	shown := redactURL(raw)
	switch {
	case u.User != nil:
		return "", fmt.Errorf("the endpoint %s contains user information; credentials go in drs.WithAKSK or drs.WithToken, not in the URL", shown)
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return "", fmt.Errorf("the endpoint %s has a query or fragment; give only scheme, host, port and (optionally) a base path", shown)
	}
	host := u.Hostname()
	if host == "" {
		return "", fmt.Errorf("the endpoint %s has no host", shown)
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
	case "http":
		if !isLoopback(host) {
			return "", fmt.Errorf("the endpoint %s uses http; use https (plain http is allowed only for loopback hosts, for testing)", shown)
		}
	default:
		return "", fmt.Errorf("the endpoint %s has scheme %q; use https", shown, u.Scheme)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u.String(), nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// redactURL returns raw without its user information, query and fragment, for
// messages; unparsable input is not echoed at all.
func redactURL(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "<unparsable URL>"
	}
	u.User = nil
	if u.RawQuery != "" {
		u.RawQuery = "..."
	}
	u.Fragment = ""
	return u.String()
}
