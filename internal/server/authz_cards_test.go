package server_test

// The free-shop cards' rows of the authorization matrix. Only shop
// volunteers, coordinators and admins of a base use cards; to every other
// role they do not exist (404). Requests carry bad input, so nothing is
// made or erased for the next rows.
var cardRows = []check{
	// none admin coord wareh distr obser shop viewer other
	{"POST", "/api/v1/cards", "", `{"household_size":-1}`, "401 400 400 404 404 404 400 404 400"},
	{"DELETE", "/api/v1/cards/{code}", "/api/v1/cards/NOTACODE", "", "401 400 400 404 404 404 400 404 400"},
}

func init() { matrix = append(matrix, cardRows...) }
