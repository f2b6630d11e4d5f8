package bench

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/basic"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/config"
	hwdrs "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/drs/v3"
	hwmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/drs/v3/model"
)

// newOfficialClient builds Huawei's official DRS v3 client for endpoint
// (http:// is kept as given: the SDK adds https:// only to endpoints without a
// scheme). Retries are off (its default, set explicitly), and it sends through
// tr, so it uses the same transport settings as the other clients; with a
// transport given, the SDK's IgnoreSSLVerification does not apply (and is not
// needed on http://). Building a client writes ~/.huaweicloud/application_id:
// TestMain points HOME at a temporary directory.
func newOfficialClient(tb testing.TB, endpoint, ak, sk string, tr *http.Transport) *hwdrs.DrsClient {
	tb.Helper()
	cred, err := basic.NewCredentialsBuilder().
		WithAk(ak).
		WithSk(sk).
		WithProjectId(projectID).
		SafeBuild()
	if err != nil {
		tb.Fatal(err)
	}
	hc, err := hwdrs.DrsClientBuilder().
		WithEndpoint(endpoint).
		WithCredential(cred).
		WithHttpConfig(config.DefaultHttpConfig().
			WithRetries(0).
			WithIgnoreSSLVerification(true).
			WithHttpTransport(tr)).
		SafeBuild()
	if err != nil {
		tb.Fatal(err)
	}
	return hwdrs.NewDrsClient(hc)
}

// officialRequest is the one-job BatchCheckJobs request in the SDK's model.
func officialRequest(ids ...string) *hwmodel.BatchCheckJobsRequest {
	if len(ids) == 0 {
		ids = []string{jobID}
	}
	jobs := make([]hwmodel.PreCheckInfo, len(ids))
	for i, id := range ids {
		jobs[i] = hwmodel.PreCheckInfo{JobId: id, PrecheckMode: hwmodel.GetPreCheckInfoPrecheckModeEnum().FOR_START_JOB}
	}
	return &hwmodel.BatchCheckJobsRequest{Body: &hwmodel.BatchPrecheckReq{Jobs: jobs}}
}

// officialCall makes one BatchCheckJobs call and checks the answer.
func officialCall(c *hwdrs.DrsClient, req *hwmodel.BatchCheckJobsRequest) error {
	resp, err := c.BatchCheckJobs(req)
	if err != nil {
		return err
	}
	if resp.HttpStatusCode != http.StatusOK || resp.Results == nil || len(*resp.Results) != 1 {
		return fmt.Errorf("official SDK: unexpected answer %v", resp)
	}
	r := (*resp.Results)[0]
	if r.Status == nil || r.Status.Value() != "success" || r.PrecheckId == nil || *r.PrecheckId != jobID {
		return fmt.Errorf("official SDK: unexpected result %v", r)
	}
	return nil
}
