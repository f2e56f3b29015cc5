/*
Copyright 2026 The Vermont Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package controllers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// annotationAppliedHash records the desired state the operator last applied
// to an object. The subset check of apply cannot see a field the operator
// stopped setting; a changed hash can.
const annotationAppliedHash = "kafka.vermont.io/applied-hash"

// apply server-side-applies a desired object under the operator's one field
// owner and writes the server's answer back into obj. Fields the operator
// does not set stay with whoever set them; fields it sets are put back if
// edited by hand. When the cached object already holds every field of the
// desired one, from the same desired state, nothing is sent: most reconciles
// (one per poll and group) change nothing, and every write counts against
// the client's rate limit and the API server's CPU.
func apply(ctx context.Context, c client.Client, obj client.Object) error {
	u, err := applyContent(obj)
	if err != nil {
		return err
	}
	if live, ok := readLive(ctx, c, obj); ok && holds(live, withoutTypeMeta(u.Object)) {
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(live, obj); err != nil {
			return err
		}
		obj.GetObjectKind().SetGroupVersionKind(u.GroupVersionKind())
		return nil
	}
	if err := c.Apply(ctx, client.ApplyConfigurationFromUnstructured(u), client.FieldOwner(fieldOwner), client.ForceOwnership); err != nil {
		return fmt.Errorf("applying %s %s: %w", u.GetKind(), u.GetName(), err)
	}
	return runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, obj)
}

// applyContent is what apply sends for a desired object: its fields without
// the zero values that are not the operator's intent, and the digest of
// them as an annotation.
func applyContent(obj client.Object) (*unstructured.Unstructured, error) {
	content, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return nil, fmt.Errorf("converting %T: %w", obj, err)
	}
	delete(content, "status")
	unstructured.RemoveNestedField(content, "metadata", "creationTimestamp")
	unstructured.RemoveNestedField(content, "spec", "template", "metadata", "creationTimestamp")
	u := &unstructured.Unstructured{Object: content}
	hash, err := contentHash(content)
	if err != nil {
		return nil, err
	}
	annotations := u.GetAnnotations()
	if annotations == nil {
		annotations = map[string]string{}
	}
	annotations[annotationAppliedHash] = hash
	u.SetAnnotations(annotations)
	return u, nil
}

// readLive reads the object as the client (the manager's cache) has it.
func readLive(ctx context.Context, c client.Reader, obj client.Object) (map[string]any, bool) {
	live, ok := obj.DeepCopyObject().(client.Object)
	if !ok || c.Get(ctx, client.ObjectKeyFromObject(obj), live) != nil {
		return nil, false
	}
	content, err := runtime.DefaultUnstructuredConverter.ToUnstructured(live)
	return content, err == nil
}

// withoutTypeMeta drops apiVersion and kind, which objects read from the
// cache do not carry.
func withoutTypeMeta(content map[string]any) map[string]any {
	fields := maps.Clone(content)
	delete(fields, "apiVersion")
	delete(fields, "kind")
	return fields
}

// contentHash is a short digest of an object's desired content
// (encoding/json sorts map keys, so equal content gives equal digests).
func contentHash(content map[string]any) (string, error) {
	data, err := json.Marshal(content)
	if err != nil {
		return "", fmt.Errorf("hashing the desired object: %w", err)
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:8]), nil
}

// holds reports whether live has every field of desired with the same
// value: maps may have more keys (defaults, other owners' fields), lists
// must match element by element. Any doubt answers false, which only costs
// an apply.
func holds(live, desired any) bool {
	switch d := desired.(type) {
	case map[string]any:
		l, ok := live.(map[string]any)
		if !ok {
			return false
		}
		for k, dv := range d {
			lv, present := l[k]
			if dv == nil {
				if present && lv != nil {
					return false
				}
				continue
			}
			if !present || !holds(lv, dv) {
				return false
			}
		}
		return true
	case []any:
		l, ok := live.([]any)
		if !ok || len(l) != len(d) {
			return false
		}
		for i := range d {
			if !holds(l[i], d[i]) {
				return false
			}
		}
		return true
	default:
		return reflect.DeepEqual(live, desired)
	}
}

// missingSecretError is a Secret or key a workload needs that does not exist.
type missingSecretError struct{ msg string }

func (e *missingSecretError) Error() string { return e.msg }

// readSecrets reads the Secret keys a workload needs, as the environment
// the worker will see (variable name -> value). A missing Secret or key is a
// missingSecretError naming it; other errors are transient.
func readSecrets(ctx context.Context, c client.Reader, namespace string, keys []secretKey) (map[string]string, error) {
	values := map[string]string{}
	secrets := map[string]*corev1.Secret{}
	for _, k := range keys {
		s, ok := secrets[k.Secret]
		if !ok {
			s = &corev1.Secret{}
			if err := c.Get(ctx, types.NamespacedName{Namespace: namespace, Name: k.Secret}, s); err != nil {
				if apierrors.IsNotFound(err) {
					return nil, &missingSecretError{fmt.Sprintf("Secret %s not found in namespace %s: create it with the key %s", k.Secret, namespace, k.Key)}
				}
				return nil, fmt.Errorf("reading Secret %s: %w", k.Secret, err)
			}
			secrets[k.Secret] = s
		}
		v, ok := s.Data[k.Key]
		if !ok {
			return nil, &missingSecretError{fmt.Sprintf("Secret %s has no key %s: add it", k.Secret, k.Key)}
		}
		values[k.Env] = string(v)
	}
	return values, nil
}

func isMissingSecret(err error) bool {
	var m *missingSecretError
	return errors.As(err, &m)
}
