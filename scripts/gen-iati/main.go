// Command gen-iati writes a synthetic IATI 2.03 activity file of a given size to stdout,
// for the import benchmark (scripts/bench-iati): by default ILO's size, 7,500 activities
// of 20 transactions each. The same arguments give the same file.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
)

func main() {
	activities := flag.Int("activities", 7500, "number of activities")
	transactions := flag.Int("transactions", 20, "transactions per activity")
	flag.Parse()
	r := rand.New(rand.NewPCG(1, 2))
	countries := []string{"MW", "KE", "TZ", "UG", "ET", "BD", "KH", "PE", "BO", "SN", "GH", "ZM"}
	sectors := []string{"16020", "16010", "11330", "15110", "25010", "32130"}
	funders := []string{"XM-DAC-11-1", "XM-DAC-2-10", "XM-DAC-6-4", "XM-DAC-41114", "XM-DAC-918-3"}
	types := []string{"2", "3", "4", "1"}
	currencies := []string{"USD", "EUR", "CHF"}
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	fmt.Fprintln(w, `<?xml version="1.0" encoding="UTF-8"?>`)
	fmt.Fprintln(w, `<iati-activities version="2.03" generated-datetime="2026-01-01T00:00:00Z">`)
	for i := range *activities {
		c1, c2 := countries[r.IntN(len(countries))], countries[r.IntN(len(countries))]
		for c2 == c1 {
			c2 = countries[r.IntN(len(countries))]
		}
		f := funders[r.IntN(len(funders))]
		cur := currencies[r.IntN(len(currencies))]
		year := 2010 + r.IntN(14)
		fmt.Fprintf(w, ` <iati-activity last-updated-datetime="2025-06-01T00:00:00Z" default-currency="%s">
  <iati-identifier>XM-DAC-41302-GEN-%05d</iati-identifier>
  <reporting-org ref="XM-DAC-41302" type="40"><narrative>International Labour Organization</narrative></reporting-org>
  <title><narrative>Generated activity %d: decent work programme</narrative></title>
  <description type="1"><narrative>A generated activity for the import benchmark.</narrative></description>
  <participating-org ref="%s" role="1" type="10"><narrative>Funder %s</narrative></participating-org>
  <participating-org ref="XM-DAC-41302" role="4" type="40"><narrative>ILO</narrative></participating-org>
  <activity-status code="%d"/>
  <activity-date type="1" iso-date="%d-01-01"/>
  <activity-date type="3" iso-date="%d-12-31"/>
  <recipient-country code="%s" percentage="60"/>
  <recipient-country code="%s" percentage="40"/>
  <sector vocabulary="1" code="%s" percentage="100"/>
`, cur, i, i, f, f, 1+r.IntN(4), year, year+3, c1, c2, sectors[r.IntN(len(sectors))])
		for j := range *transactions {
			fmt.Fprintf(w, `  <transaction><transaction-type code="%s"/><transaction-date iso-date="%d-%02d-15"/><value value-date="%d-%02d-15">%d.%02d</value><provider-org ref="%s"/></transaction>
`, types[j%len(types)], year+j%4, 1+j%12, year+j%4, 1+j%12, 1000+r.IntN(500000), r.IntN(100), f)
		}
		fmt.Fprintln(w, " </iati-activity>")
	}
	fmt.Fprintln(w, "</iati-activities>")
}
