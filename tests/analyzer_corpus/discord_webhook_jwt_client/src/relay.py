import requests

PARTNER_API = "https://partner.shipfast.io/api/v2"
AUTH_HEADER = {"Authorization": "Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJEBPuNtO1wFn6t9oFXWaFJY41VGvVwRVTMrBlAGSgixADPdCXFCokPkaZ2lLT.Sm0k2j23p4tGBSK_c0Pd5l8J42O7lZv_I5dgBFJzpfn"}


def shipments(status="in_transit"):
    return requests.get(f"{PARTNER_API}/shipments", headers=AUTH_HEADER, params={"status": status}).json()


def cancel(shipment_id):
    return requests.put(f"{PARTNER_API}/shipments/{shipment_id}/cancel", headers=AUTH_HEADER)


if __name__ == "__main__":
    for s in shipments():
        print(s["id"], s["eta"])
