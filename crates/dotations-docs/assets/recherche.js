// Recherche du site généré par `dotations docs`.
//
// L'index (recherche-index.js) est chargé au premier usage par un élément <script> : c'est ce qui
// permet à la recherche de fonctionner aussi bien depuis un serveur que depuis un fichier ouvert
// directement (file://), où les navigateurs refusent `fetch`. Aucune ressource externe.
(function () {
  "use strict";

  var racine = document.body.getAttribute("data-racine") || "";
  var formulaire = document.querySelector("form.recherche");
  var entree = document.getElementById("q");
  var liste = document.getElementById("q-resultats");
  var statut = document.getElementById("q-statut");
  var page = document.getElementById("recherche-page");
  var resume = document.getElementById("recherche-resume");
  if (!formulaire || !entree || !liste) {
    return;
  }

  var MAX_LISTE = 15;
  var TYPES = {
    variable: "variable",
    parametre: "paramètre",
    bareme: "barème",
    entite: "entité",
    "enum": "énumération"
  };

  var attente = null;

  // Appelle `suite` quand l'index est chargé.
  function charger(suite) {
    if (window.DOTATIONS_RECHERCHE) {
      suite();
      return;
    }
    if (attente === null) {
      attente = [];
      var script = document.createElement("script");
      script.src = racine + "recherche-index.js";
      script.onload = function () {
        var fonctions = attente;
        attente = [];
        fonctions.forEach(function (f) { f(); });
      };
      script.onerror = function () {
        annoncer("L'index de recherche n'a pas pu être chargé.");
      };
      document.head.appendChild(script);
    }
    attente.push(suite);
  }

  // Minuscules, sans accents ; `_` et `.` séparent les mots d'un nom.
  function normaliser(texte) {
    return texte.toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/[_.]/g, " ");
  }

  // Les entrées dont le nom, le libellé ou la description contiennent tous les mots de la
  // requête ; d'abord celles dont le nom répond le mieux.
  function chercher(requete) {
    var q = normaliser(requete).trim().replace(/\s+/g, " ");
    if (!q) {
      return [];
    }
    var mots = q.split(" ");
    var trouvees = [];
    window.DOTATIONS_RECHERCHE.forEach(function (e) {
      if (e.nomNormal === undefined) {
        e.nomNormal = normaliser(e.n);
        e.texteNormal = e.nomNormal + " " + normaliser(e.l || "");
      }
      var toutes = mots.every(function (m) { return e.texteNormal.indexOf(m) >= 0; });
      if (!toutes) {
        return;
      }
      var rang = 3;
      if (e.nomNormal === q) {
        rang = 0;
      } else if (e.nomNormal.indexOf(q) === 0) {
        rang = 1;
      } else if (mots.every(function (m) { return e.nomNormal.indexOf(m) >= 0; })) {
        rang = 2;
      }
      trouvees.push({ entree: e, rang: rang });
    });
    trouvees.sort(function (a, b) {
      return a.rang - b.rang || a.entree.n.length - b.entree.n.length || (a.entree.n < b.entree.n ? -1 : 1);
    });
    return trouvees.map(function (t) { return t.entree; });
  }

  function element(nom, classe, texte) {
    var e = document.createElement(nom);
    if (classe) {
      e.className = classe;
    }
    if (texte) {
      e.textContent = texte;
    }
    return e;
  }

  function remplir(cible, resultats) {
    cible.textContent = "";
    resultats.forEach(function (e) {
      var a = element("a");
      a.href = racine + e.u;
      a.appendChild(element("code", "", e.n));
      a.appendChild(element("span", "type", TYPES[e.t] || e.t));
      if (e.l) {
        a.appendChild(element("span", "libelle", e.l));
      }
      var li = element("li");
      li.appendChild(a);
      cible.appendChild(li);
    });
  }

  function annoncer(texte) {
    if (statut) {
      statut.textContent = texte;
    }
  }

  function nombre(n) {
    return n === 0 ? "Aucun résultat" : n === 1 ? "1 résultat" : n + " résultats";
  }

  function fermer() {
    liste.hidden = true;
    liste.textContent = "";
  }

  // La liste sous le champ, à chaque frappe (sur la page de recherche, la page entière).
  function miseAJour() {
    var requete = entree.value;
    if (!requete.trim()) {
      fermer();
      annoncer("");
      if (page) {
        afficherPage("");
      }
      return;
    }
    charger(function () {
      if (page) {
        afficherPage(requete);
        return;
      }
      var resultats = chercher(requete);
      remplir(liste, resultats.slice(0, MAX_LISTE));
      liste.hidden = resultats.length === 0;
      if (resultats.length > MAX_LISTE) {
        annoncer(nombre(resultats.length) + " ; les " + MAX_LISTE + " premiers sont affichés, Entrée pour tous les voir.");
      } else {
        annoncer(nombre(resultats.length) + ".");
      }
    });
  }

  function afficherPage(requete) {
    if (!requete.trim()) {
      page.textContent = "";
      if (resume) {
        resume.textContent = "Saisissez un nom, un libellé ou une description dans le champ de recherche.";
      }
      return;
    }
    var resultats = chercher(requete);
    remplir(page, resultats);
    if (resume) {
      resume.textContent = nombre(resultats.length) + " pour « " + requete.trim() + " ».";
    }
    try {
      history.replaceState(null, "", "?q=" + encodeURIComponent(requete));
    } catch (erreur) {
      // Certains navigateurs refusent de modifier l'adresse d'un fichier local : sans gravité.
    }
  }

  function liens() {
    return Array.prototype.slice.call(liste.querySelectorAll("a"));
  }

  entree.addEventListener("input", miseAJour);
  // L'index se charge dès que le champ reçoit le focus ; une requête déjà saisie rouvre la liste.
  entree.addEventListener("focus", function () {
    if (entree.value.trim() && !page) {
      miseAJour();
    } else {
      charger(function () {});
    }
  });
  entree.addEventListener("keydown", function (evenement) {
    if (evenement.key === "ArrowDown" && !liste.hidden) {
      var premiers = liens();
      if (premiers.length) {
        evenement.preventDefault();
        premiers[0].focus();
      }
    } else if (evenement.key === "Escape") {
      fermer();
      annoncer("");
    }
  });
  liste.addEventListener("keydown", function (evenement) {
    var tous = liens();
    var i = tous.indexOf(document.activeElement);
    if (evenement.key === "ArrowDown" && i + 1 < tous.length) {
      evenement.preventDefault();
      tous[i + 1].focus();
    } else if (evenement.key === "ArrowUp") {
      evenement.preventDefault();
      if (i > 0) {
        tous[i - 1].focus();
      } else {
        entree.focus();
      }
    } else if (evenement.key === "Escape") {
      evenement.preventDefault();
      fermer();
      entree.focus();
    }
  });
  // La liste se ferme quand le focus quitte le formulaire.
  formulaire.addEventListener("focusout", function (evenement) {
    if (!formulaire.contains(evenement.relatedTarget)) {
      liste.hidden = true;
    }
  });

  // Sur la page de recherche : la requête de l'adresse (?q=…).
  if (page) {
    var requete = new URLSearchParams(window.location.search).get("q") || "";
    entree.value = requete;
    if (requete.trim()) {
      charger(function () { afficherPage(requete); });
    }
  }
})();
