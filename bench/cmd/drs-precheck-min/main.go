// Command drs-precheck-min starts the pre-check of DRS jobs with this
// project's client (package drs) and nothing else. It exists to measure what
// a DRS-only program built on our client weighs (see ../../size.sh); it is
// the counterpart of ../official-precheck.
//
//	HUAWEICLOUD_SDK_AK=… HUAWEICLOUD_SDK_SK=… HUAWEICLOUD_SDK_PROJECT_ID=… \
//	  drs-precheck-min [-endpoint https://drs.cn-north-4.myhuaweicloud.com] JOB_ID...
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/drsclient/drs-precheck/drs"
)

func main() {
	endpoint := flag.String("endpoint", "https://drs.cn-north-4.myhuaweicloud.com", "DRS endpoint")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: drs-precheck-min [-endpoint URL] JOB_ID...")
		os.Exit(2)
	}
	client, err := drs.New(drs.WithEndpoint(*endpoint))
	if err != nil {
		fmt.Fprintln(os.Stderr, "drs-precheck-min:", err)
		os.Exit(1)
	}
	report, err := client.Precheck(context.Background(), drs.ModeStartJob, flag.Args())
	if report == nil { // invalid input: nothing was sent
		fmt.Fprintln(os.Stderr, "drs-precheck-min:", err)
		os.Exit(2)
	}
	for _, v := range report.Verdicts {
		fmt.Println(v.JobID, v.State, v.PrecheckID)
	}
	if err != nil { // some job got no answer
		fmt.Fprintln(os.Stderr, "drs-precheck-min:", err)
		os.Exit(1)
	}
}
