# ruff: noqa: E501  (the phrasings are a table of sentences, one a line)
"""Write the labelled dispute claims the disputes bot's classifier learns from.

Writes ``bots/disputes/data/dispute_examples_train.csv`` and
``bots/disputes/data/dispute_examples_holdout.csv`` (columns ``reason,channel,language,text``)
from phrasings per reason code, filled with varied invoice numbers, amounts, articles,
quantities and dates, and wrapped the way each channel carries them: a portal form's plain
text, a mail with greeting and sign-off, a bank statement's short payment text ("less 250.00
damaged"). Most claims are in English; some are in German, French, Dutch or Spanish.

The held-out file is never used for training. Half of its claims come from phrasings kept
out of the training file altogether (column ``phrasing``: ``new``; their accuracy says
something about wordings the model never saw), the other half from the shared phrasings with
fresh values (``seen``); no held-out text equals a training text. The texts of the sandbox's seeded claims (``sandbox/disputes_scenario.py``) are never
written.

Deterministic (fixed seed). Run: ``python scripts/make_dispute_examples.py [--check]``;
``--check`` compares the generated files with the committed ones.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bots" / "disputes" / "data"
TRAIN = DATA / "dispute_examples_train.csv"
HOLDOUT = DATA / "dispute_examples_holdout.csv"
SEED = 20261116
TRAIN_PER_REASON = 80
#: the catch-all reason is the most frequent one in a real claims inbox
TRAIN_PER_REASON_SPECIAL = {"OTHER": 120}
HOLDOUT_PER_REASON = 20

ITEMS = ["hex bolts", "bearings", "pallets of steel profiles", "valve assemblies",
         "pump motors", "filter cartridges", "clamp sets", "lubricant drums", "gasket sets",
         "cable reels", "safety gloves", "hydraulic hoses", "control panels", "spare fuses",
         "copper fittings", "conveyor belts", "sensor modules", "welding rods"]
ITEMS_DE = ["Schrauben", "Lager", "Paletten", "Ventile", "Pumpenmotoren", "Filter",
            "Kabeltrommeln", "Schläuche"]
ITEMS_FR = ["roulements", "palettes", "vannes", "moteurs", "filtres", "joints", "câbles"]
ITEMS_NL = ["lagers", "pallets", "kleppen", "motoren", "filters", "slangen"]
ITEMS_ES = ["rodamientos", "palets", "válvulas", "motores", "filtros", "mangueras"]
SERVICES = ["maintenance visit", "installation", "on-site repair", "calibration",
            "commissioning", "training session", "inspection", "engine overhaul"]
COUNTRIES = ["Austrian", "French", "Dutch", "Belgian", "Polish", "Spanish", "Italian"]


def _fill(rng: random.Random) -> dict[str, str]:
    qty = rng.randint(4, 120)
    short = rng.randint(1, max(1, qty // 3))
    price = rng.randint(500, 30000) / 100
    contract = round(price * rng.uniform(0.78, 0.97), 2)
    amount = rng.choice([rng.randint(20, 3000) + rng.choice([0, 0.5, 0.99, 0.4]),
                         float(rng.randint(1, 40) * 25)])
    return {
        "inv": rng.choice(["INV-2025-", "INV-2026-", "INV-2026-", "RE-2026-", ""])
        + str(rng.randint(1000, 9999)),
        "inv2": "INV-2026-" + str(rng.randint(1000, 9999)),
        "amt": f"{amount:.2f}", "amt_de": f"{amount:.2f}".replace(".", ","),
        "qty": str(qty), "short": str(short), "got": str(qty - short),
        "price": f"{price:.2f}", "contract": f"{contract:.2f}",
        "pct": rng.choice(["5", "8", "10", "12", "15", "3"]),
        "item": rng.choice(ITEMS), "item_de": rng.choice(ITEMS_DE),
        "item_fr": rng.choice(ITEMS_FR), "item_nl": rng.choice(ITEMS_NL),
        "item_es": rng.choice(ITEMS_ES), "service": rng.choice(SERVICES),
        "order": f"{rng.choice(['SO', 'PO', 'order ', 'PO-'])}{rng.randint(10000, 99999)}",
        "rma": str(rng.randint(1000, 9999)), "day": str(rng.randint(1, 28)),
        "month": rng.choice(["October", "November", "September", "December"]),
        "country": rng.choice(COUNTRIES), "vat": rng.choice(["19", "21", "20", "7"]),
        "who": rng.choice(["driver", "carrier", "forwarder", "courier", "haulier"]),
    }


# Per reason: (shared phrasings, phrasings kept for the held-out file). Each phrasing has a
# language tag and a channel set: "f" portal form, "m" mail, "d" bank payment text.
Phrasing = tuple[str, str, str]  # language, channels, text

REASONS: dict[str, tuple[list[Phrasing], list[Phrasing]]] = {
    "PRICING": ([
        ("en", "fm", "The unit price of the {item} is {price}, but our agreed price is {contract}. Please correct {inv}."),
        ("en", "fm", "You invoiced {price} each; the price list we signed says {contract}. Kindly issue a credit for the difference."),
        ("en", "fm", "{inv} is priced above our framework agreement for the {item}. We expect {contract} per unit as contracted."),
        ("en", "fm", "Wrong price on {inv}: quoted {contract}, billed {price}. We will only pay the quoted price."),
        ("en", "fm", "The {pct}% discount agreed for our account is missing on {inv}, so the price is too high."),
        ("en", "fm", "Overcharged on the {item}: the contract rate is {contract} and not {price}."),
        ("en", "fm", "Your price increase was not agreed with us; {inv} should use last quarter's price of {contract}."),
        ("en", "m", "Regarding {inv}: the pricing does not match purchase order {order}, where the price is {contract}."),
        ("en", "fm", "Price difference on {inv}. Please send a credit note for the overcharge of {amt}."),
        ("en", "fm", "We were charged list price instead of our negotiated price for the {item}."),
        ("en", "d", "{inv} less {amt} price difference"),
        ("en", "d", "{inv} short paid {amt} pricing per contract"),
        ("en", "d", "PAYMT {inv} DED {amt} PRICE DIFF"),
        ("en", "d", "{inv} deduction {amt} overcharge vs contract price"),
        ("de", "fm", "Der Stückpreis für {item_de} auf {inv} beträgt {price}, vereinbart sind {contract}. Bitte korrigieren Sie den Preis."),
        ("de", "fm", "Falscher Preis berechnet: laut Rahmenvertrag gilt {contract}. Bitte Gutschrift über die Preisdifferenz."),
        ("de", "d", "{inv} abzgl. {amt_de} Preisdifferenz"),
        ("fr", "fm", "Le prix unitaire facturé sur {inv} ne correspond pas au prix convenu de {contract}. Merci d'émettre un avoir."),
        ("nl", "fm", "De prijs op {inv} is hoger dan de afgesproken contractprijs van {contract}. Graag een creditnota voor het prijsverschil."),
        ("es", "fm", "El precio facturado en {inv} es superior al precio acordado de {contract}. Rogamos emitan un abono por la diferencia."),
    ], [
        ("en", "fm", "Billed rate {price} per unit does not reflect the rate in our supply contract ({contract})."),
        ("en", "fm", "Please re-price {inv}; the {item} are on our agreed price sheet at {contract}."),
        ("en", "d", "{inv} less {amt} price adj"),
        ("de", "fm", "Der berechnete Preis weicht von unserem Angebot ab ({contract} statt {price})."),
        ("fr", "d", "{inv} moins {amt} écart de prix"),
    ]),
    "QUANTITY": ([
        ("en", "fm", "We ordered {qty} {item} but only {got} were delivered. Please credit the {short} missing."),
        ("en", "fm", "Short shipment on {inv}: {short} units missing from the delivery."),
        ("en", "fm", "The delivery note shows {got} pieces received, yet {inv} bills {qty}."),
        ("en", "fm", "{short} of the {item} never arrived; the rest of the shipment was fine."),
        ("en", "fm", "Quantity billed does not match quantity received. Our goods receipt shows {got}, not {qty}."),
        ("en", "fm", "Part of the order {order} is still missing, {short} units short, but you invoiced the full quantity."),
        ("en", "m", "Our warehouse counted {got} {item} on arrival. Please adjust {inv} for the shortage."),
        ("en", "fm", "The carton count was short by {short}; we signed the delivery with a remark."),
        ("en", "fm", "Incomplete delivery: only part of the {item} came, please invoice what was delivered."),
        ("en", "fm", "You billed {qty} pallets but the truck brought {got}."),
        ("en", "d", "{inv} less {amt} short shipment"),
        ("en", "d", "{inv} ded {amt} qty short {short} pcs"),
        ("en", "d", "PMT {inv} LESS {amt} SHORTAGE"),
        ("en", "d", "{inv} deducted {amt} not delivered in full"),
        ("de", "fm", "Es wurden nur {got} statt {qty} {item_de} geliefert. Bitte schreiben Sie uns die fehlende Menge gut."),
        ("de", "fm", "Mengendifferenz: laut Lieferschein fehlen {short} Stück."),
        ("de", "d", "{inv} abzgl. {amt_de} Fehlmenge"),
        ("fr", "fm", "Livraison incomplète : nous avons reçu {got} {item_fr} au lieu de {qty}. Merci de créditer la quantité manquante."),
        ("nl", "fm", "Er zijn maar {got} van de {qty} {item_nl} geleverd. Graag crediteren voor de ontbrekende aantallen."),
        ("es", "fm", "Solo recibimos {got} de {qty} {item_es}. Faltan {short} unidades en la entrega."),
    ], [
        ("en", "fm", "Shortfall of {short} pieces against the packing list; please correct the quantity on {inv}."),
        ("en", "fm", "Goods received note shows fewer {item} than invoiced."),
        ("en", "d", "{inv} less {amt} missing qty"),
        ("nl", "fm", "Levering niet compleet, {short} stuks te weinig ontvangen."),
        ("es", "d", "{inv} menos {amt} faltante"),
    ]),
    "DAMAGED": ([
        ("en", "fm", "{short} of the {item} arrived damaged; photos of the broken packaging are attached."),
        ("en", "fm", "The goods on {inv} were dented and unusable when they arrived. We reject the damaged units."),
        ("en", "fm", "Transport damage: the {who} delivered crushed cartons. Please credit {amt}."),
        ("en", "fm", "Several {item} were broken on delivery and cannot be used."),
        ("en", "fm", "We received the shipment with water damage; the {item} are rusted."),
        ("en", "fm", "Defective goods: {short} units are cracked. We noted the damage on the delivery receipt."),
        ("en", "m", "Damage report for {inv}: the pallet was knocked over in transit and the contents destroyed."),
        ("en", "fm", "The {item} were faulty out of the box, {short} do not work at all."),
        ("en", "fm", "Goods arrived in poor condition, scratched and bent. We deducted the damaged part."),
        ("en", "fm", "Broken items on arrival, see the pictures; please send a credit note."),
        ("en", "d", "{inv} less {amt} damaged goods"),
        ("en", "d", "{inv} DED {amt} DAMAGED IN TRANSIT"),
        ("en", "d", "{inv} short pay {amt} broken items"),
        ("en", "d", "PMT {inv} less {amt} damage claim"),
        ("de", "fm", "{short} {item_de} kamen beschädigt an, Fotos anbei. Bitte um Gutschrift."),
        ("de", "fm", "Transportschaden: die Ware war bei Anlieferung defekt und unbrauchbar."),
        ("de", "d", "{inv} abzgl. {amt_de} beschädigte Ware"),
        ("fr", "fm", "Les {item_fr} sont arrivés endommagés, emballage écrasé. Photos jointes."),
        ("nl", "fm", "De {item_nl} zijn beschadigd aangekomen. Foto's van de schade bijgevoegd."),
        ("es", "fm", "Los {item_es} llegaron dañados y rotos. Adjuntamos fotos."),
    ], [
        ("en", "fm", "The consignment was smashed when it reached us, {short} units written off by our receiving team."),
        ("en", "fm", "Leaking and dented drums delivered; unusable."),
        ("en", "d", "{inv} less {amt} dmg"),
        ("de", "fm", "Ware mit Bruchschaden erhalten, Kartons zerdrückt."),
        ("fr", "d", "{inv} moins {amt} marchandise abîmée"),
    ]),
    "RETURNED": ([
        ("en", "fm", "We returned {short} {item} under RMA {rma}; please credit them on {inv}."),
        ("en", "fm", "The goods were sent back on {day} {month} with your return authorisation. No credit note yet."),
        ("en", "fm", "Return of {short} units collected by your {who}; {inv} still bills them."),
        ("en", "fm", "We sent the {item} back as agreed with your sales rep. Please issue the credit for the returned goods."),
        ("en", "fm", "Credit note missing for returned goods, return number {rma}."),
        ("en", "m", "The return shipment reached your warehouse on {day} {month}, tracking attached. Please credit {amt}."),
        ("en", "fm", "Returned merchandise: {short} {item} were sent back unused within the return period."),
        ("en", "fm", "You picked up the rejected {item} last week, so we expect a credit for the return."),
        ("en", "fm", "RMA {rma} was approved and the goods are back with you, but the credit has not been booked."),
        ("en", "fm", "We have shipped back the surplus {item}; please adjust {inv} for the returned units."),
        ("en", "d", "{inv} less {amt} returned goods RMA {rma}"),
        ("en", "d", "{inv} DED {amt} RETURN"),
        ("en", "d", "{inv} less {amt} credit for return {rma}"),
        ("en", "d", "PMT {inv} minus {amt} goods sent back"),
        ("de", "fm", "Wir haben {short} {item_de} mit Retourennummer {rma} zurückgeschickt. Bitte Gutschrift für die Rücksendung."),
        ("de", "fm", "Die Retoure ist bei Ihnen eingegangen, die Gutschrift fehlt noch."),
        ("de", "d", "{inv} abzgl. {amt_de} Retoure {rma}"),
        ("fr", "fm", "Nous avons retourné {short} {item_fr} (retour {rma}). Merci d'établir l'avoir correspondant."),
        ("nl", "fm", "Wij hebben {short} {item_nl} retour gestuurd onder retournummer {rma}. Graag een creditnota."),
        ("es", "fm", "Devolvimos {short} {item_es} con la autorización de devolución {rma}. Esperamos el abono."),
    ], [
        ("en", "fm", "Goods came back to you via return label {rma}; the credit is outstanding."),
        ("en", "fm", "Your driver took the {item} back on {day} {month}, please reverse the charge."),
        ("en", "d", "{inv} less {amt} RTN {rma}"),
        ("de", "fm", "Ware ging am {day}. zurück, bitte die Retoure gutschreiben."),
        ("nl", "d", "{inv} min {amt} retour"),
    ]),
    "DUPLICATE_BILLING": ([
        ("en", "fm", "{inv} bills the same delivery as {inv2}, which we have already paid. This is a duplicate."),
        ("en", "fm", "We were invoiced twice for order {order}. Please cancel the second invoice."),
        ("en", "fm", "Duplicate invoice: {inv} repeats {inv2} line for line."),
        ("en", "fm", "This charge appears on two invoices; we paid it once with {inv2}."),
        ("en", "fm", "Double billing for the {item}, already settled on an earlier invoice."),
        ("en", "m", "Your {inv} is a copy of {inv2} with a new number. We will not pay the same goods twice."),
        ("en", "fm", "The same order was billed a second time. Please void {inv}."),
        ("en", "fm", "Invoiced twice: the amount of {amt} was already paid under {inv2}."),
        ("en", "fm", "Please check, {inv} looks like a duplicate of a previous invoice for the same shipment."),
        ("en", "fm", "We received two invoices for one delivery, {inv} and {inv2}."),
        ("en", "d", "{inv} not paid duplicate of {inv2}"),
        ("en", "d", "{inv} DUPLICATE INVOICE PAID UNDER {inv2}"),
        ("en", "d", "{inv} less {amt} double billed"),
        ("en", "d", "{inv} ded {amt} billed twice"),
        ("de", "fm", "Die Rechnung {inv} ist doppelt, dieselbe Lieferung wurde bereits mit {inv2} berechnet und bezahlt."),
        ("de", "fm", "Doppelte Rechnungsstellung für Auftrag {order}. Bitte stornieren."),
        ("de", "d", "{inv} Doppelrechnung zu {inv2}"),
        ("fr", "fm", "La facture {inv} fait double emploi avec {inv2}, déjà réglée."),
        ("nl", "fm", "Factuur {inv} is dubbel gefactureerd, dezelfde levering staat al op {inv2}."),
        ("es", "fm", "La factura {inv} está duplicada; ya pagamos la misma entrega con {inv2}."),
    ], [
        ("en", "fm", "Same goods charged again on a second invoice, please credit one of them."),
        ("en", "fm", "{inv} duplicates an invoice we settled last month for order {order}."),
        ("en", "d", "{inv} dup inv"),
        ("de", "fm", "Die Lieferung wurde zweimal in Rechnung gestellt."),
        ("es", "d", "{inv} factura duplicada"),
    ]),
    "TAX": ([
        ("en", "fm", "VAT of {vat}% was charged although the goods went to our {country} site under reverse charge."),
        ("en", "fm", "{inv} shows VAT, but this is an intra-community supply. Please reissue without tax and with our VAT ID."),
        ("en", "fm", "Wrong tax rate on {inv}: {vat}% applied, the reduced rate applies."),
        ("en", "fm", "We are tax exempt, the exemption certificate is on file. Please remove the sales tax."),
        ("en", "fm", "Our VAT number is missing on {inv}, so we cannot deduct the input tax. Please correct."),
        ("en", "fm", "The invoice should be zero-rated for export; you added {vat}% VAT."),
        ("en", "m", "Tax query on {inv}: the reverse charge note is missing and VAT was added."),
        ("en", "fm", "VAT calculated on the wrong base, the tax amount on {inv} is too high."),
        ("en", "fm", "Please issue a corrected invoice without VAT, delivery was to another EU member state."),
        ("en", "fm", "The withholding tax was not considered on {inv}."),
        ("en", "d", "{inv} less {amt} VAT not due reverse charge"),
        ("en", "d", "{inv} NET PAID VAT {amt} DISPUTED"),
        ("en", "d", "{inv} paid net, tax {amt} incorrectly charged"),
        ("en", "d", "{inv} ded {amt} wrong VAT"),
        ("de", "fm", "Auf {inv} wurde Mehrwertsteuer berechnet, obwohl es sich um eine innergemeinschaftliche Lieferung handelt (Reverse Charge)."),
        ("de", "fm", "Falscher Steuersatz: {vat}% USt statt 0%. Bitte Rechnung ohne Umsatzsteuer neu ausstellen."),
        ("de", "d", "{inv} abzgl. {amt_de} USt nicht geschuldet"),
        ("fr", "fm", "La TVA a été facturée à tort sur {inv} : autoliquidation, livraison intracommunautaire."),
        ("nl", "fm", "Op {inv} is ten onrechte btw berekend, dit valt onder de verleggingsregeling."),
        ("es", "fm", "Se ha cobrado IVA en {inv} pero es una entrega intracomunitaria con inversión del sujeto pasivo."),
    ], [
        ("en", "fm", "No VAT should be on this invoice, we gave you our valid EU VAT ID."),
        ("en", "fm", "Sales tax was applied to a tax-exempt customer account."),
        ("en", "d", "{inv} less {amt} tax"),
        ("fr", "fm", "Taux de TVA erroné sur la facture, merci de corriger."),
        ("de", "fm", "Bitte Rechnung ohne MwSt., wir sind steuerbefreit."),
    ]),
    "NOT_ORDERED": ([
        ("en", "fm", "We never ordered the {item} on {inv}; please remove them."),
        ("en", "fm", "These {item} were not part of our purchase order {order}. We did not order them."),
        ("en", "fm", "Unordered goods: {short} {item} were delivered and billed without a purchase order from us."),
        ("en", "fm", "Nobody here placed an order for the {item}. Please collect them and cancel the invoice line."),
        ("en", "fm", "The {item} on {inv} do not appear on any of our POs."),
        ("en", "m", "We have no order on record for the items billed on {inv}. Please provide the PO or credit it."),
        ("en", "fm", "You shipped {item} that we did not request; we will send them back."),
        ("en", "fm", "Line 2 bills goods we never ordered, our PO only covers line 1."),
        ("en", "fm", "Wrong items sent that were not on our order, we refuse to pay for them."),
        ("en", "fm", "There is no purchase order for this delivery, it was not authorised by our buyer."),
        ("en", "d", "{inv} less {amt} goods not ordered"),
        ("en", "d", "{inv} DED {amt} NO PO"),
        ("en", "d", "{inv} short {amt} unordered items"),
        ("en", "d", "{inv} less {amt} not on PO {order}"),
        ("de", "fm", "Die {item_de} auf {inv} haben wir nicht bestellt. Bitte streichen Sie die Position."),
        ("de", "fm", "Für diese Lieferung liegt keine Bestellung von uns vor."),
        ("de", "d", "{inv} abzgl. {amt_de} nicht bestellt"),
        ("fr", "fm", "Nous n'avons jamais commandé les {item_fr} facturés sur {inv}."),
        ("nl", "fm", "De {item_nl} op {inv} hebben wij niet besteld. Graag van de factuur halen."),
        ("es", "fm", "No pedimos los {item_es} que aparecen en la factura {inv}."),
    ], [
        ("en", "fm", "These articles were never requested by us, there is no order."),
        ("en", "fm", "Billed for {item} outside our purchase order, please take them off."),
        ("en", "d", "{inv} less {amt} not ordered"),
        ("de", "fm", "Artikel ohne Bestellung geliefert und berechnet."),
        ("fr", "d", "{inv} moins {amt} non commandé"),
    ]),
    "SERVICE_NOT_RENDERED": ([
        ("en", "fm", "The {service} billed on {inv} never took place; your technician did not show up."),
        ("en", "fm", "You invoiced a {service} on {day} {month}, but nobody came to our site."),
        ("en", "fm", "The {service} was cancelled by your side and still invoiced."),
        ("en", "fm", "Work not performed: the {service} was not completed, only started."),
        ("en", "fm", "We were billed for hours of a {service} that were never worked."),
        ("en", "m", "The engineer never arrived for the {service}; please cancel {inv}."),
        ("en", "fm", "Service not delivered: the {service} was postponed and has not happened yet."),
        ("en", "fm", "No service report exists for the {service} on {inv} because it was not done."),
        ("en", "fm", "The technician left without carrying out the {service}."),
        ("en", "fm", "Invoice for a {service} we did not receive, the appointment was missed."),
        ("en", "d", "{inv} less {amt} service not performed"),
        ("en", "d", "{inv} NOT PAID SERVICE NOT RENDERED"),
        ("en", "d", "{inv} ded {amt} no show technician"),
        ("en", "d", "{inv} withheld {amt} work not done"),
        ("de", "fm", "Die berechnete {service} wurde nie durchgeführt, Ihr Techniker ist nicht erschienen."),
        ("de", "fm", "Leistung nicht erbracht: der Serviceeinsatz hat nicht stattgefunden."),
        ("de", "d", "{inv} Leistung nicht erbracht"),
        ("fr", "fm", "L'intervention facturée sur {inv} n'a jamais eu lieu, le technicien n'est pas venu."),
        ("nl", "fm", "De monteur is niet gekomen, de dienst op {inv} is niet uitgevoerd."),
        ("es", "fm", "El servicio facturado en {inv} no se realizó; el técnico no vino."),
    ], [
        ("en", "fm", "No one from your team attended the scheduled {service}, yet we were charged."),
        ("en", "fm", "The {service} you billed has not been performed to date."),
        ("en", "d", "{inv} less {amt} service not done"),
        ("de", "fm", "Der Wartungstermin wurde abgesagt und trotzdem berechnet."),
        ("es", "fm", "Servicio no prestado, nadie se presentó."),
    ]),
    "OTHER": ([
        ("en", "fm", "Please send us a copy of {inv}, we cannot find it in our records."),
        ("en", "fm", "The invoice is addressed to the wrong company name, please correct the address."),
        ("en", "fm", "{inv} is missing our purchase order number, our AP system rejects it."),
        ("en", "fm", "We would like to discuss the payment terms on {inv}."),
        ("en", "fm", "The invoice date on {inv} is before the delivery date, please correct it."),
        ("en", "fm", "{inv} was issued in USD, our contract is in EUR. Please reissue in the right currency."),
        ("en", "m", "Please split {inv} by cost centre as agreed; our system cannot book it as one document."),
        ("en", "fm", "The late payment fee on {inv} was not expected, please explain it."),
        ("en", "fm", "Our bank details changed, please update your records before the next invoice."),
        ("en", "fm", "The invoice was sent to the wrong e-mail address, please use our AP mailbox."),
        ("en", "fm", "The delivery note is not attached to {inv}; we cannot approve it without it."),
        ("en", "fm", "Please send {inv} to our head office, not to the plant."),
        ("en", "d", "{inv} partial payment {amt} balance under review"),
        ("en", "d", "{inv} less {amt} see letter"),
        ("de", "fm", "Auf {inv} fehlt unsere Bestellnummer, bitte Rechnung neu ausstellen."),
        ("de", "fm", "Die Rechnungsadresse ist falsch, bitte korrigieren."),
        ("de", "d", "{inv} Teilzahlung, Rest in Klärung"),
        ("fr", "fm", "La facture {inv} est adressée à la mauvaise société, merci de la refaire."),
        ("nl", "fm", "Graag een kopie van factuur {inv}, wij kunnen deze niet vinden."),
        ("es", "fm", "Necesitamos una copia de la factura {inv} con nuestro número de pedido."),
    ], [
        ("en", "fm", "We need the invoice in PDF format with our cost centre on it."),
        ("en", "fm", "Could you clarify {inv}? Please get in touch."),
        ("en", "d", "{inv} part paid {amt} remainder pending"),
        ("de", "fm", "Bitte senden Sie uns eine Rechnungskopie."),
        ("fr", "fm", "Merci de nous contacter au sujet de cette facture."),
    ]),
}

GREETINGS = {"en": ["Dear team,", "Hello,", "Hi,", "Good morning,", "Dear Sir or Madam,"],
             "de": ["Sehr geehrte Damen und Herren,", "Hallo,", "Guten Tag,"],
             "fr": ["Bonjour,", "Madame, Monsieur,"], "nl": ["Beste,", "Goedendag,"],
             "es": ["Estimados señores:", "Hola,"]}
CLOSINGS = {"en": ["Best regards, Accounts Payable", "Kind regards", "Thanks, AP team",
                   "Regards, Purchasing", "Thank you."],
            "de": ["Mit freundlichen Grüßen", "Viele Grüße, Buchhaltung"],
            "fr": ["Cordialement", "Bien à vous, la comptabilité"],
            "nl": ["Met vriendelijke groet", "Groeten, crediteurenadministratie"],
            "es": ["Saludos cordiales", "Atentamente, contabilidad"]}
FORM_PREFIX = {"en": ["", "", "", "Invoice {inv}: ", "Re {inv} - "], "de": ["", "Rechnung {inv}: "],
               "fr": ["", "Facture {inv} : "], "nl": ["", "Factuur {inv}: "],
               "es": ["", "Factura {inv}: "]}


def _wrap(rng: random.Random, lang: str, channel: str, body: str) -> str:
    if channel == "m":
        return f"{rng.choice(GREETINGS[lang])}\n{body}\n{rng.choice(CLOSINGS[lang])}"
    if channel == "f":
        return rng.choice(FORM_PREFIX[lang]) + body
    return body


def _render(rng: random.Random, phrasing: Phrasing) -> tuple[str, str, str]:
    lang, channels, text = phrasing
    channel = rng.choice(channels)
    values = _fill(rng)
    body = text.format(**values)
    if channel == "f" and rng.random() < 0.3:  # the form's text, mailed instead
        channel = "m"
    out = _wrap(rng, lang, channel, body).format(**values)
    return {"f": "portal", "m": "mail", "d": "deduction"}[channel], lang, out


def _scenario_texts() -> set[str]:
    sys.path.insert(0, str(ROOT))
    from sandbox.disputes_scenario import CLAIMS

    return {c.text.strip().lower() for c in CLAIMS}


def generate() -> tuple[list[list[str]], list[list[str]]]:
    rng = random.Random(SEED)
    forbidden = _scenario_texts()
    train: list[list[str]] = []
    holdout: list[list[str]] = []
    for reason, (shared, reserved) in REASONS.items():
        seen: set[str] = set()

        def draw(pool: list[Phrasing], into: list[list[str]], want: int, tag: str = "",
                 reason: str = reason, seen: set[str] = seen) -> None:
            got = 0
            while got < want:
                channel, lang, text = _render(rng, pool[got % len(pool)] if got < len(pool)
                                              else rng.choice(pool))
                key = text.strip().lower()
                if key in seen or key in forbidden:
                    continue
                seen.add(key)
                into.append([reason, channel, lang, text, *([tag] if tag else [])])
                got += 1

        draw(shared, train, TRAIN_PER_REASON_SPECIAL.get(reason, TRAIN_PER_REASON))
        draw(reserved, holdout, HOLDOUT_PER_REASON // 2, "new")
        draw(shared, holdout, HOLDOUT_PER_REASON - HOLDOUT_PER_REASON // 2, "seen")
    return train, holdout


def _csv(rows: list[list[str]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["reason", "channel", "language", "text", "phrasing"][:len(rows[0])])
    writer.writerows(rows)
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="compare with the committed files instead of writing them")
    args = parser.parse_args(argv)
    train, holdout = generate()
    files = {TRAIN: _csv(train), HOLDOUT: _csv(holdout)}
    counts = {TRAIN: len(train), HOLDOUT: len(holdout)}
    if args.check:
        stale = [p.name for p, text in files.items()
                 if not p.exists() or p.read_text(encoding="utf-8") != text]
        print("up to date" if not stale else f"differ: {', '.join(stale)}")
        return 1 if stale else 0
    DATA.mkdir(parents=True, exist_ok=True)
    for path, text in files.items():
        path.write_text(text, encoding="utf-8")
        print(f"{path.relative_to(ROOT)}: {counts[path]} claims")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
