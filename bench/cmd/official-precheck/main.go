// Command official-precheck starts the pre-check of DRS jobs with Huawei's
// official Go SDK (services/drs/v3) and nothing else. It exists to measure
// what a DRS-only program built on that SDK weighs (see ../../size.sh); it
// is the counterpart of ../drs-precheck-min.
//
//	HUAWEICLOUD_SDK_AK=… HUAWEICLOUD_SDK_SK=… HUAWEICLOUD_SDK_PROJECT_ID=… \
//	  official-precheck [-endpoint https://drs.cn-north-4.myhuaweicloud.com] JOB_ID...
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/basic"
	drs "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/drs/v3"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/drs/v3/model"
)

func main() {
	endpoint := flag.String("endpoint", "https://drs.cn-north-4.myhuaweicloud.com", "DRS endpoint")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: official-precheck [-endpoint URL] JOB_ID...")
		os.Exit(2)
	}
	cred, err := basic.NewCredentialsBuilder().
		WithAk(os.Getenv("HUAWEICLOUD_SDK_AK")).
		WithSk(os.Getenv("HUAWEICLOUD_SDK_SK")).
		WithProjectId(os.Getenv("HUAWEICLOUD_SDK_PROJECT_ID")).
		SafeBuild()
	if err != nil {
		fmt.Fprintln(os.Stderr, "official-precheck:", err)
		os.Exit(1)
	}
	hc, err := drs.DrsClientBuilder().WithEndpoint(*endpoint).WithCredential(cred).SafeBuild()
	if err != nil {
		fmt.Fprintln(os.Stderr, "official-precheck:", err)
		os.Exit(1)
	}
	client := drs.NewDrsClient(hc)

	jobs := make([]model.PreCheckInfo, 0, flag.NArg())
	for _, id := range flag.Args() {
		jobs = append(jobs, model.PreCheckInfo{JobId: id, PrecheckMode: model.GetPreCheckInfoPrecheckModeEnum().FOR_START_JOB})
	}
	resp, err := client.BatchCheckJobs(&model.BatchCheckJobsRequest{Body: &model.BatchPrecheckReq{Jobs: jobs}})
	if err != nil {
		fmt.Fprintln(os.Stderr, "official-precheck:", err)
		os.Exit(1)
	}
	if resp.Results != nil {
		for _, r := range *resp.Results {
			fmt.Println(r)
		}
	}
}
