package seed

import (
	"strconv"
	"strings"

	"github.com/coopgraph/coopgraph/internal/funding"
)

// Sources of the public facts used by Flanders. The Flemish Department of Foreign
// Affairs is fdfa.be; the ILO pages are on ilo.org.
const (
	srcILOFlanders = "ILO Brussels, \"Flanders\" (http://ilo.org/brussels/ilo-and-benelux-countries/belgium/flanders/lang--en/index.htm)"
	srcFDFAILO     = "Flanders Department of Foreign Affairs, \"International Labour Organization\" (https://fdfa.be/en/international-labour-organization)"
	srcILO2016     = "ILO news, 7 March 2016, \"Government of Flanders signs new cooperation agreement with ILO\" (https://www.ilo.org/brussels/information-resources/news/WCMS_458239/lang--en/index.htm)"
	srcTF20182019  = "Flanders Department of Foreign Affairs, \"Vlaams Trustfonds bij Internationale Arbeidsorganisatie (2018-2019)\" (https://www.fdfa.be/nl/vlaams-trustfonds-bij-internationale-arbeidsorganisatie-2018-2019)"
	srcGrant2018   = "Flanders Department of Foreign Affairs, 23 February 2018, \"900 000 euro voor Vlaams IAO Trustfonds\" (https://www.fdfa.be/nl/900-000-euro-voor-vlaams-iao-trustfonds)"
	srcMalawiNews  = "ILO news, 23 April 2018, \"ILO, Flanders to promote decent work in Malawi's tea plantations\" (https://www.ilo.org/pardev/news/WCMS_626369/lang--en/index.htm)"
	srcGrant2020   = "Flanders Department of Foreign Affairs, 7 February 2020, \"New contribution for Flemish ILO trust fund\" (https://www.fdfa.be/en/news/new-contribution-for-flemish-ilo-trust-fund)"
	srcGPSL        = "ILO Brussels news, 23 May 2022, \"Flanders finances ILO Global Programme on skills and lifelong learning\" (http://www.ilo.org/brussels/information-resources/news/WCMS_846083/lang--en/index.htm)"
)

// Flanders returns the demo dataset: the Government of Flanders, its cooperation
// agreements with the ILO, the ILO-Flanders Trust Fund, projects it funded and their
// yearly allocations, built from public facts (each carries its Source), plus two
// clearly illustrative donors so lists and reports show more than one donor and more
// than one currency. Invented figures are marked Illustrative. The dataset includes
// Countries(). Each call builds new values. (It is long because it is data: one literal
// per fact, each with its source next to it.)
func Flanders() *Dataset {
	d := &Dataset{Countries: Countries()}

	// Donors.
	flanders := &funding.Donor{
		ID:                  "flanders",
		Name:                "Government of Flanders",
		ShortName:           "Flanders",
		Type:                funding.DonorSubnationalGovernment,
		HomeCountryCode:     "BE",
		CooperatingSince:    1991,
		PartnerCountryCodes: []string{"MW", "MZ", "ZA"},
		Description: "The Government of Flanders (Belgium) has cooperated with the ILO since 1991, " +
			"at first mainly with the ILO's International Training Centre (ITCILO) in Turin. " +
			"Its bilateral development cooperation concentrates on three partner countries in " +
			"Southern Africa: Malawi, Mozambique and South Africa. Sources: " + srcILOFlanders + "; " + srcFDFAILO + ".",
	}
	netherlands := &funding.Donor{
		ID:                  "netherlands",
		Name:                "Kingdom of the Netherlands",
		ShortName:           "Netherlands",
		Type:                funding.DonorGovernment,
		HomeCountryCode:     "NL",
		PartnerCountryCodes: []string{"BD", "MZ"},
		Description: "Illustrative donor for the demo: its agreement, trust fund, projects and " +
			"amounts are invented and do not describe the Netherlands' real cooperation with the ILO.",
	}
	foundation := &funding.Donor{
		ID:                  "demo-foundation",
		Name:                "Decent Work Futures Foundation",
		ShortName:           "DWF Foundation",
		Type:                funding.DonorFoundation,
		HomeCountryCode:     "US",
		CooperatingSince:    2019,
		PartnerCountryCodes: []string{"KE"},
		Description: "Illustrative donor for the demo: an invented private foundation giving in USD. " +
			"It does not exist; all its data are made up.",
	}
	d.Donors = []*funding.Donor{flanders, netherlands, foundation}

	// Agreements.
	agr1997 := &funding.Agreement{
		ID:          "flanders-ilo-1997",
		DonorID:     flanders.ID,
		Counterpart: "ILO",
		Title:       "First cooperation agreement between the Government of Flanders and the ILO",
		SignedOn:    funding.MustDate("1997-01-01"),
		StartsOn:    funding.MustDate("1997-01-01"),
		Themes:      []string{"decent work", "skills", "social dialogue"},
		Description: "In 1997 Flanders and the ILO signed their first cooperation agreement, " +
			"formalising the cooperation begun in 1991 with the ITCILO in Turin; the ILO became " +
			"Flanders' first official multilateral partner.",
		Source: srcILOFlanders + ". Only the year is public: the day and month (1 January) are illustrative.",
	}
	agr2011 := &funding.Agreement{
		ID:          "flanders-ilo-2011",
		DonorID:     flanders.ID,
		Counterpart: "ILO",
		Title:       "Cooperation agreement between the Government of Flanders and the ILO (2011)",
		SignedOn:    funding.MustDate("2011-03-01"),
		StartsOn:    funding.MustDate("2011-03-01"),
		Themes:      []string{"decent work", "social dialogue"},
		Description: "Signed in March 2011, it sets out the common parameters for development " +
			"cooperation and a basis for policy dialogue between the Flemish government, Flemish " +
			"workers' and employers' organisations and the ILO, and covers the promotion of decent " +
			"work within Flanders, taking Flemish competencies into account.",
		Source: srcILOFlanders + ". The month is public; the day (1 March) is illustrative.",
	}
	agr2016 := &funding.Agreement{
		ID:          "flanders-ilo-2016",
		DonorID:     flanders.ID,
		Counterpart: "ILO",
		Title:       "Cooperation agreement between the Government of Flanders and the ILO (2016)",
		SignedOn:    funding.MustDate("2016-03-07"),
		StartsOn:    funding.MustDate("2016-03-07"),
		Themes:      []string{"decent work", "women's economic empowerment", "youth employment", "social dialogue"},
		Description: "Signed by Minister-President Geert Bourgeois and ILO Director-General Guy Ryder, " +
			"it refocuses the cooperation on improving the position of women and young persons in " +
			"the labour market, with particular attention to social dialogue and a geographical " +
			"preference for Southern Africa, and brings the ILO-Flanders Trust Fund under the agreement.",
		Source: srcILO2016 + "; " + srcFDFAILO + ". SignedOn is the date of the ILO news item reporting the signature.",
	}
	agrNL := &funding.Agreement{
		ID:          "netherlands-ilo-2015",
		DonorID:     netherlands.ID,
		Counterpart: "ILO",
		Title:       "Illustrative partnership agreement (Netherlands–ILO)",
		SignedOn:    funding.MustDate("2015-01-01"),
		StartsOn:    funding.MustDate("2015-01-01"),
		EndsOn:      funding.MustDate("2026-12-31"),
		Themes:      []string{"skills", "youth employment"},
		Description: "Illustrative agreement for the demo; title, dates and themes are invented.",
	}
	agrDWF := &funding.Agreement{
		ID:          "demo-foundation-ilo-2019",
		DonorID:     foundation.ID,
		Counterpart: "ILO",
		Title:       "Illustrative grant agreement (Decent Work Futures Foundation–ILO)",
		SignedOn:    funding.MustDate("2019-01-01"),
		StartsOn:    funding.MustDate("2019-01-01"),
		EndsOn:      funding.MustDate("2027-12-31"),
		Themes:      []string{"skills", "care economy"},
		Description: "Illustrative agreement for the demo; the foundation and the agreement are invented.",
	}
	d.Agreements = []*funding.Agreement{agr1997, agr2011, agr2016, agrNL, agrDWF}

	// Trust funds.
	tfFlanders := &funding.TrustFund{
		ID:            "ilo-flanders-tf",
		DonorID:       flanders.ID,
		AgreementIDs:  []string{agr1997.ID, agr2011.ID, agr2016.ID},
		Name:          "ILO-Flanders Trust Fund",
		EstablishedOn: funding.MustDate("2001-12-01"),
		StartsOn:      funding.MustDate("2001-01-01"),
		Extensions: []funding.Extension{
			{
				DecidedOn: funding.MustDate("2005-12-01"),
				EndsOn:    funding.MustDate("2010-12-31"),
				Note:      "Extended beyond the initial period 2001–2005 (public); the decision date and the new end date are illustrative.",
			},
			{
				DecidedOn: funding.MustDate("2011-03-01"),
				EndsOn:    funding.MustDate("2015-12-31"),
				Note:      "Extension under the cooperation agreement of March 2011; decision date and end date illustrative.",
			},
			{
				DecidedOn: funding.MustDate("2016-03-07"),
				EndsOn:    funding.MustDate("2020-12-31"),
				Note:      "The 2016 agreement brings the trust fund under it (public); decision date and end date illustrative.",
			},
			{
				DecidedOn: funding.MustDate("2020-02-07"),
				EndsOn:    funding.MustDate("2025-12-31"),
				Note:      "Extension under the 2016 agreement; decision date (that of the 2020–2021 contribution) and end date illustrative.",
			},
			{
				DecidedOn: funding.MustDate("2024-03-01"),
				EndsOn:    funding.MustDate("2027-12-31"),
				Note:      "Illustrative extension that keeps the fund open for the projects still running in 2026.",
			},
		},
		EndsOn:   funding.MustDate("2027-12-31"),
		Currency: "EUR",
		Status:   funding.TrustFundActive,
		Description: "Flanders' principal funding modality with the ILO, created by the Government of " +
			"Flanders in December 2001, initially for 2001–2005 and extended since. Flanders pays a " +
			"contribution every two years (EUR 900,000 for 2018–2019 and for 2020–2021); yearly " +
			"allocations go to ILO technical cooperation projects, about half of them implemented by " +
			"the ITCILO. Thematic focus on decent work, since 2016 for women and young people; " +
			"geographical preference for Southern Africa. Sources: " + srcILOFlanders + "; " + srcFDFAILO +
			"; " + srcGrant2018 + "; " + srcGrant2020 + ". The day of creation (1 December) is illustrative.",
	}
	tfNL := &funding.TrustFund{
		ID:            "ilo-netherlands-tf",
		DonorID:       netherlands.ID,
		AgreementIDs:  []string{agrNL.ID},
		Name:          "Illustrative Netherlands–ILO Skills Fund",
		EstablishedOn: funding.MustDate("2015-01-01"),
		StartsOn:      funding.MustDate("2015-01-01"),
		EndsOn:        funding.MustDate("2026-12-31"),
		Currency:      "EUR",
		Status:        funding.TrustFundActive,
		Description:   "Illustrative trust fund for the demo; name, dates and amounts are invented.",
	}
	tfDWF := &funding.TrustFund{
		ID:            "ilo-demo-foundation-tf",
		DonorID:       foundation.ID,
		AgreementIDs:  []string{agrDWF.ID},
		Name:          "Illustrative Decent Work Futures Fund",
		EstablishedOn: funding.MustDate("2019-01-01"),
		StartsOn:      funding.MustDate("2019-01-01"),
		Extensions: []funding.Extension{
			{DecidedOn: funding.MustDate("2022-06-01"), EndsOn: funding.MustDate("2027-12-31"), Note: "Illustrative extension of the initial period 2019–2024 to 2027."},
		},
		EndsOn:      funding.MustDate("2027-12-31"),
		Currency:    "USD",
		Status:      funding.TrustFundActive,
		Description: "Illustrative trust fund for the demo, held in USD; everything about it is invented.",
	}
	d.TrustFunds = []*funding.TrustFund{tfFlanders, tfNL, tfDWF}

	// Projects and their allocations. Illustrative amounts are whole euros or dollars,
	// a few with cents so that reports show exact decimals.
	southernAfrica := func() []funding.CountryShare {
		return []funding.CountryShare{{CountryCode: "MW", Share: 3334}, {CountryCode: "MZ", Share: 3333}, {CountryCode: "ZA", Share: 3333}}
	}
	only := func(code string) []funding.CountryShare {
		return []funding.CountryShare{{CountryCode: code, Share: funding.ShareScale}}
	}
	const (
		illustrativeProject = "Illustrative project: title, description, dates and budget are invented for the demo. "
		flandersContext     = "Flanders has funded ILO work in South Africa, Mozambique and Malawi since the trust fund began (" + srcILOFlanders + ")."
	)

	b := &builder{d: d}

	b.project(tfFlanders, &funding.Project{
		ID:                 "p-southern-africa-social-dialogue",
		Code:               "RAF/02/01/FLA",
		Title:              "Training for social dialogue actors in Southern Africa",
		Description:        illustrativeProject + "Courses for labour ministries, workers' and employers' organisations of Malawi, Mozambique and South Africa.",
		StartsOn:           funding.MustDate("2002-01-01"),
		EndsOn:             funding.MustDate("2004-12-31"),
		Themes:             []string{"social dialogue", "skills"},
		ImplementingAgency: "ITCILO",
		Countries:          southernAfrica(),
		Illustrative:       true,
		Source:             flandersContext,
	}, amounts{2002: "300000.00", 2003: "320000.00", 2004: "180000.00"})

	b.project(tfFlanders, &funding.Project{
		ID:                 "p-south-africa-local-economic-development",
		Code:               "ZAF/04/01/FLA",
		Title:              "Local economic development and job creation in South Africa",
		Description:        illustrativeProject + "Support to municipalities and local partners for employment-intensive local development.",
		StartsOn:           funding.MustDate("2004-07-01"),
		EndsOn:             funding.MustDate("2007-06-30"),
		Themes:             []string{"decent work", "employment creation"},
		ImplementingAgency: "ILO",
		Countries:          only("ZA"),
		Illustrative:       true,
		Source:             flandersContext,
	}, amounts{2004: "200000.00", 2005: "350000.00", 2006: "250000.00", 2007: "120000.00"})

	b.project(tfFlanders, &funding.Project{
		ID:                 "p-global-entrepreneurship-trainers",
		Code:               "GLO/06/01/FLA",
		Title:              "Training of trainers in entrepreneurship and enterprise development",
		Description:        illustrativeProject + "A global course programme at the Turin campus.",
		StartsOn:           funding.MustDate("2006-01-01"),
		EndsOn:             funding.MustDate("2008-12-31"),
		Themes:             []string{"entrepreneurship", "skills"},
		ImplementingAgency: "ITCILO",
		Illustrative:       true,
		Source:             "Entrepreneurship is among the shared priorities of the cooperation (ILO, \"25 years of cooperation 1991–2016\").",
	}, amounts{2006: "150000.00", 2007: "200000.00", 2008: "180000.00"})

	b.project(tfFlanders, &funding.Project{
		ID:                 "p-mozambique-youth-skills",
		Code:               "MOZ/08/01/FLA",
		Title:              "Skills for youth employment in Mozambique",
		Description:        illustrativeProject + "Training of vocational trainers and employment services staff.",
		StartsOn:           funding.MustDate("2008-01-01"),
		EndsOn:             funding.MustDate("2010-12-31"),
		Themes:             []string{"skills", "youth employment"},
		ImplementingAgency: "ITCILO",
		Countries:          only("MZ"),
		Illustrative:       true,
		Source:             flandersContext,
	}, amounts{2008: "220000.00", 2009: "400125.50", 2010: "380000.00"})

	b.project(tfFlanders, &funding.Project{
		ID:                 "p-south-africa-constituents-capacity",
		Code:               "ZAF/11/01/FLA",
		Title:              "Capacity building for workers' and employers' organisations in South Africa",
		Description:        illustrativeProject + "Follows the 2011 agreement's emphasis on social dialogue.",
		StartsOn:           funding.MustDate("2011-04-01"),
		EndsOn:             funding.MustDate("2013-12-31"),
		Themes:             []string{"social dialogue", "decent work"},
		ImplementingAgency: "ITCILO",
		Countries:          only("ZA"),
		Illustrative:       true,
		Source:             flandersContext,
	}, amounts{2011: "350000.00", 2012: "420000.00", 2013: "300000.00"})

	b.project(tfFlanders, &funding.Project{
		ID:                 "p-southern-africa-youth-employment-policy",
		Code:               "RAF/13/01/FLA",
		Title:              "Youth employment policies in Southern Africa",
		Description:        illustrativeProject + "Regional training on youth employment policy, weighted towards South Africa.",
		StartsOn:           funding.MustDate("2013-07-01"),
		EndsOn:             funding.MustDate("2015-12-31"),
		Themes:             []string{"youth employment", "skills"},
		ImplementingAgency: "ITCILO",
		Countries:          []funding.CountryShare{{CountryCode: "ZA", Share: 5000}, {CountryCode: "MZ", Share: 2500}, {CountryCode: "MW", Share: 2500}},
		Illustrative:       true,
		Source:             flandersContext,
	}, amounts{2013: "100000.00", 2014: "450000.00", 2015: "400000.00"})

	b.project(tfFlanders, &funding.Project{
		ID:    "p-women-at-work-care-economy",
		Code:  "GLO/16/01/FLA",
		Title: "Women at Work Centenary Initiative: decent work in the care economy",
		Description: "Flanders was the first ILO partner to fund the Women at Work Centenary Initiative, " +
			"with a focus on the care economy (public). Dates and budget are illustrative.",
		StartsOn:           funding.MustDate("2016-04-01"),
		EndsOn:             funding.MustDate("2017-12-31"),
		Themes:             []string{"women's economic empowerment", "care economy", "decent work"},
		ImplementingAgency: "ILO",
		Illustrative:       true,
		Source:             srcILO2016,
	}, amounts{2016: "400000.00", 2017: "380000.00"})

	malawi := b.project(tfFlanders, &funding.Project{
		ID:    "p-malawi-tea-decent-work",
		Code:  "MLW/18/01/FLA",
		Title: "Promoting decent work on tea plantations in Thyolo District, Malawi",
		Description: "Funded from the trust fund's 2018–2019 projects: EUR 275,442 over 24 months to build " +
			"the capacity of government, employers and workers to tackle decent work deficits on tea " +
			"estates in Thyolo District, with attention to women, young workers and smallholders " +
			"(public). Launched in Lilongwe in May 2018; the exact start and end days are illustrative. " +
			"The ILO project code is illustrative.",
		StartsOn:           funding.MustDate("2018-05-01"),
		EndsOn:             funding.MustDate("2020-04-30"),
		Themes:             []string{"decent work", "women's economic empowerment", "social dialogue"},
		ImplementingAgency: "ILO",
		Budget:             &funding.Money{Units: 27544200, Currency: "EUR"},
		Countries:          only("MW"),
		Source:             srcTF20182019 + "; " + srcMalawiNews,
	}, nil)
	b.allocation(tfFlanders, malawi, 2018, "137721.00", funding.MustDate("2018-02-23"),
		"Half of the public EUR 275,442 budget of the Malawi tea project ("+srcTF20182019+"); the even split over 2018 and 2019 is ours. ApprovedOn is the approval of the 2018–2019 contribution ("+srcGrant2018+").")
	b.allocation(tfFlanders, malawi, 2019, "137721.00", funding.MustDate("2018-02-23"),
		"Half of the public EUR 275,442 budget of the Malawi tea project ("+srcTF20182019+"); the even split over 2018 and 2019 is ours. ApprovedOn is the approval of the 2018–2019 contribution ("+srcGrant2018+").")

	b.project(tfFlanders, &funding.Project{
		ID:    "p-mozambique-vct-at-work",
		Code:  "MOZ/19/01/FLA",
		Title: "VCT@WORK: HIV counselling and testing for workers in Mozambique",
		Description: "Flanders supports the VCT@WORK initiative in Mozambique, which informs and tests " +
			"workers on HIV and AIDS with special attention to female and young workers (public). " +
			"Dates and budget are illustrative.",
		StartsOn:           funding.MustDate("2019-07-01"),
		EndsOn:             funding.MustDate("2020-12-31"),
		Themes:             []string{"HIV and AIDS", "decent work", "youth employment"},
		ImplementingAgency: "ILO",
		Countries:          only("MZ"),
		Illustrative:       true,
		Source:             srcGrant2020,
	}, amounts{2019: "250000.00"})

	regional := b.project(tfFlanders, &funding.Project{
		ID:    "p-southern-africa-women-youth",
		Code:  "RAF/20/01/FLA",
		Title: "Decent work for women and young people in Southern Africa (trust fund programme 2020–2021)",
		Description: "The Government of Flanders approved EUR 900,000 for the trust fund for 2020–2021 " +
			"(public). In reality the contribution funds several projects selected each year; the demo " +
			"models it as one regional programme across Flanders' three partner countries.",
		StartsOn:           funding.MustDate("2020-01-01"),
		EndsOn:             funding.MustDate("2021-12-31"),
		Themes:             []string{"decent work", "women's economic empowerment", "youth employment", "social dialogue"},
		ImplementingAgency: "ILO",
		Budget:             &funding.Money{Units: 90000000, Currency: "EUR"},
		Countries:          southernAfrica(),
		Source:             srcGrant2020,
	}, nil)
	for _, year := range []int{2020, 2021} {
		b.allocation(tfFlanders, regional, year, "450000.00", funding.MustDate("2020-02-07"),
			"EUR 900,000 approved on 7 February 2020 for 2020–2021 ("+srcGrant2020+"), shown as two equal yearly allocations; the split by year is ours.")
	}

	b.project(tfFlanders, &funding.Project{
		ID:    "p-global-skills-lifelong-learning",
		Code:  "GLO/22/01/FLA",
		Title: "ILO Global Programme on Skills and Lifelong Learning (GPSL3)",
		Description: "At the end of March 2022 the Flemish Government confirmed it would fund the ILO " +
			"Global Programme on Skills and Lifelong Learning, which aims to give women, men, " +
			"enterprises and communities access to market-relevant, inclusive and high-quality " +
			"lifelong learning (public). Dates, code and budget are illustrative.",
		StartsOn:           funding.MustDate("2022-04-01"),
		EndsOn:             funding.MustDate("2026-12-31"),
		Themes:             []string{"skills", "lifelong learning", "youth employment"},
		ImplementingAgency: "ILO",
		Illustrative:       true,
		Source:             srcGPSL + "; " + srcILOFlanders,
	}, amounts{2022: "450000.00", 2023: "450000.00", 2024: "400000.00", 2025: "400000.00"})

	b.project(tfFlanders, &funding.Project{
		ID:                 "p-south-africa-young-women-entrepreneurs",
		Code:               "ZAF/23/01/FLA",
		Title:              "Entrepreneurship training for young women in South Africa",
		Description:        illustrativeProject + "Follows the 2016 agreement's focus on women and young people.",
		StartsOn:           funding.MustDate("2023-01-01"),
		EndsOn:             funding.MustDate("2026-12-31"),
		Themes:             []string{"entrepreneurship", "women's economic empowerment", "youth employment"},
		ImplementingAgency: "ITCILO",
		Countries:          only("ZA"),
		Illustrative:       true,
		Source:             flandersContext,
	}, amounts{2023: "150000.00", 2024: "200000.00", 2025: "200000.00"})

	// The illustrative donors' projects.
	b.project(tfNL, &funding.Project{
		ID:                 "p-bangladesh-skills-for-youth",
		Code:               "BGD/16/01/NLD",
		Title:              "Skills for youth employment in Bangladesh",
		Description:        illustrativeProject + "Funded by the illustrative Netherlands fund.",
		StartsOn:           funding.MustDate("2016-01-01"),
		EndsOn:             funding.MustDate("2018-12-31"),
		Themes:             []string{"skills", "youth employment"},
		ImplementingAgency: "ILO",
		Countries:          only("BD"),
		Illustrative:       true,
	}, amounts{2016: "500000.00", 2017: "750000.00", 2018: "600000.00"})

	b.project(tfNL, &funding.Project{
		ID:                 "p-mozambique-green-jobs",
		Code:               "MOZ/20/01/NLD",
		Title:              "Green jobs for young people in Mozambique",
		Description:        illustrativeProject + "Funded by the illustrative Netherlands fund.",
		StartsOn:           funding.MustDate("2020-01-01"),
		EndsOn:             funding.MustDate("2022-12-31"),
		Themes:             []string{"green jobs", "youth employment"},
		ImplementingAgency: "ILO",
		Countries:          only("MZ"),
		Illustrative:       true,
	}, amounts{2020: "300000.00", 2021: "350000.00", 2022: "250000.00"})

	b.project(tfDWF, &funding.Project{
		ID:                 "p-kenya-apprenticeships",
		Code:               "KEN/20/01/DWF",
		Title:              "Quality apprenticeships in Kenya",
		Description:        illustrativeProject + "Funded by the illustrative Decent Work Futures Foundation, in USD.",
		StartsOn:           funding.MustDate("2020-01-01"),
		EndsOn:             funding.MustDate("2023-06-30"),
		Themes:             []string{"skills", "youth employment"},
		ImplementingAgency: "ILO",
		Countries:          only("KE"),
		Illustrative:       true,
	}, amounts{2020: "250000.00", 2021: "300000.00", 2022: "275500.75"})

	b.project(tfDWF, &funding.Project{
		ID:                 "p-global-care-skills-online",
		Code:               "GLO/21/01/DWF",
		Title:              "Online learning on skills for care workers",
		Description:        illustrativeProject + "Funded by the illustrative Decent Work Futures Foundation, in USD.",
		StartsOn:           funding.MustDate("2021-01-01"),
		EndsOn:             funding.MustDate("2026-12-31"),
		Themes:             []string{"care economy", "skills", "lifelong learning"},
		ImplementingAgency: "ITCILO",
		Illustrative:       true,
	}, amounts{2021: "120000.00", 2022: "150000.00", 2024: "180000.00", 2025: "200000.00"})

	// Budgets: the public ones (Malawi, the 2020–2021 programme) are set above; an
	// illustrative project's budget is the sum of its allocations.
	for _, p := range d.Projects {
		if p.Budget != nil {
			continue
		}
		total := funding.Money{Currency: b.currency[p.ID]}
		for _, a := range d.Allocations {
			if a.ProjectID == p.ID {
				total.Units += a.Amount.Units
			}
		}
		p.Budget = &total
	}
	contributions(d)
	d.ExchangeRates = eurRates()
	return d
}

// amounts maps a year to a decimal amount in the trust fund's currency.
type amounts map[int]string

// builder appends projects and allocations to a dataset.
type builder struct {
	d        *Dataset
	currency map[string]string // project id -> currency of its funding trust fund
}

// project completes p (status, id of its allocations), appends it with one illustrative
// allocation per year of as, in year order, and returns it.
func (b *builder) project(tf *funding.TrustFund, p *funding.Project, as amounts) *funding.Project {
	p.Status = funding.ProjectCompleted
	if p.EndsOn.Year() >= demoYear {
		p.Status = funding.ProjectActive
	}
	if b.currency == nil {
		b.currency = map[string]string{}
	}
	b.currency[p.ID] = tf.Currency
	b.d.Projects = append(b.d.Projects, p)
	for year := p.StartsOn.Year(); year <= p.EndsOn.Year(); year++ {
		if amount, ok := as[year]; ok {
			b.allocation(tf, p, year, amount, funding.NewDate(year, 3, 1), "")
		}
	}
	return p
}

// allocation appends the allocation of amount from tf to p for year. An empty source
// means the amount is invented (Illustrative); a published amount names its source.
func (b *builder) allocation(tf *funding.TrustFund, p *funding.Project, year int, amount string, approvedOn funding.Date, source string) {
	b.d.Allocations = append(b.d.Allocations, &funding.Allocation{
		ID:                 "a-" + strings.TrimPrefix(p.ID, "p-") + "-" + strconv.Itoa(year),
		TrustFundID:        tf.ID,
		ProjectID:          p.ID,
		Type:               funding.Commitment,
		Year:               year,
		Amount:             mustMoney(amount, tf.Currency),
		ImplementingAgency: p.ImplementingAgency,
		ApprovedOn:         approvedOn,
		Illustrative:       source == "",
		Source:             source,
	})
}

// demoYear is "today" for the demo data: projects ending in or after it are ACTIVE.
const demoYear = 2026

// mustMoney parses a decimal literal in the currency's minor digits; for literal data only.
func mustMoney(amount, currency string) funding.Money {
	units, err := funding.ParseUnits(amount, funding.MinorDigits(currency))
	if err != nil {
		panic("seed: " + err.Error())
	}
	return funding.Money{Units: units, Currency: currency}
}
